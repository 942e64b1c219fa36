// Per-object resolution over the engine's indexes: each object's resolution per profile of its class, its
// contribution to its runner's tag, and the re-resolution of exactly what a change can reach.
import type { ClassIndex, ClassNode } from './class-index.js';
import type { AccountState, DistributionIndex, Runner } from './distribution-index.js';
import type { GroupIndex } from './group-index.js';
import { sameSet } from './group-index.js';
import { fmix, hashString, mix3 } from './hash.js';
import type { Association, Resolution } from './model.js';
import type { ObjectIndex, ObjectRecord } from './object-index.js';
import { beats, type Entry, type Pick, type ProfileIndex } from './profile-index.js';

export const DEFAULT: Resolution = Object.freeze({ kind: 'default-action-account' });

/** A resolution as an object holds it: interned, with its hash and the entry that won (none for the default). */
export interface Slot {
  r: Resolution;
  h: number;
  e: Entry | undefined;
}

/** What the resolver keeps on a profile entry: its two interned slots and its account's distribution. */
export interface Interned {
  yes: Slot;
  no: Slot;
  account: AccountState;
}

export const DEFAULT_SLOT: Slot = Object.freeze({ r: DEFAULT, h: 0x2545f491, e: undefined });

export type ObjectResolver = ReturnType<typeof createObjectResolver>;

export function createObjectResolver(deps: {
  classes: ClassIndex;
  objects: ObjectIndex;
  groups: GroupIndex;
  profiles: ProfileIndex;
  distribution: DistributionIndex;
}) {
  const { classes, objects, groups, profiles, distribution } = deps;
  const idHash = new Map<string, number>();
  const h = (id: string) => {
    let v = idHash.get(id);
    if (v === undefined) {
      v = hashString(id);
      idHash.set(id, v);
    }
    return v;
  };

  function intern(e: Entry): Interned {
    const a = e.a;
    const ha = h(a.accountId);
    const m: Interned = {
      yes: {
        r: { kind: 'account', accountId: a.accountId, associationId: a.id },
        h: fmix(ha ^ 0x68e31da4),
        e,
      },
      no: {
        r: { kind: 'not-distributed', accountId: a.accountId, associationId: a.id },
        h: fmix(ha ^ 0x1b56c4e9),
        e,
      },
      account: distribution.accountState(a.accountId),
    };
    e.interned = m;
    return m;
  }

  /** The slot of a winning entry on a runner: the account, or not distributed there. */
  function slotOf(e: Entry | undefined, runner: string): Slot {
    if (e === undefined) return DEFAULT_SLOT;
    const m = e.interned ?? intern(e);
    return m.account.less || m.account.approved.has(runner) ? m.yes : m.no;
  }

  /** Class- and all-scoped picks per class, in ClassNode.profiles order, while no such association changes. */
  const picksCache = new Map<ClassNode, { version: number; picks: (Pick | null)[] }>();
  function picksOf(cls: ClassNode): (Pick | null)[] {
    const version = profiles.picksVersion();
    const cached = picksCache.get(cls);
    if (cached && cached.version === version) return cached.picks;
    const picks = cls.profiles.map((p) => profiles.classPick(p, cls.ancestors));
    picksCache.set(cls, { version, picks });
    return picks;
  }

  // The running winners of one full refresh, per profile slot: reused so the hot path allocates nothing.
  const winners: (Entry | undefined)[] = [];
  const scores: number[] = [];
  function overlay(cls: ClassNode, list: readonly Entry[]) {
    for (let k = 0; k < list.length; k++) {
      const e = list[k]!;
      const i = cls.profileIndex.get(e.a.profileId);
      if (i !== undefined && beats(e, e.score, winners[i], scores[i]!)) {
        winners[i] = e;
        scores[i] = e.score;
      }
    }
  }

  /**
   * How a full re-resolution moves the runner's tag: `report` it changed; `file` only records the sums, for a
   * new object not yet filed under its runner; `quiet` moves it without a report, for a change reported when
   * it was made (a class pick's, applied when the object is next read).
   */
  type Mode = 'report' | 'file' | 'quiet';

  /** Recomputes the object's contribution to its runner's tag. */
  function contribution(obj: ObjectRecord, cls: ClassNode | undefined, mode: Mode): void {
    let a = 0;
    let b = 0;
    const n = cls ? cls.wfHash.length : 0;
    for (let k = 0; k < n; k++) {
      const pi = cls!.wfProfile[k]!;
      const s = pi < 0 ? DEFAULT_SLOT : (obj.res[pi] ?? DEFAULT_SLOT);
      const x = mix3(cls!.wfHash[k]!, obj.hi, s.h);
      a = (a + x) >>> 0;
      b = (b + fmix(x ^ 0x5bd1e995)) >>> 0;
    }
    if (a === obj.sumA && b === obj.sumB) return;
    if (mode !== 'file') distribution.contribute(obj, a, b, mode === 'report');
    obj.sumA = a;
    obj.sumB = b;
  }

  /** Re-resolves every profile of the object's class and updates its runner's tag (see Mode). */
  function refreshAll(obj: ObjectRecord, mode: Mode = 'report') {
    const cls = obj.cls;
    if (!cls) return;
    obj.epoch = cls.epoch;
    const n = cls.profiles.length;
    const picks = picksOf(cls);
    for (let i = 0; i < n; i++) {
      const p = picks[i];
      winners[i] = p ? p.e : undefined;
      scores[i] = p ? p.score : -1;
    }
    const own = profiles.objectEntries(obj.def.id);
    if (own) overlay(cls, own);
    if (obj.containing.size > 0 && profiles.hasGroupScoped()) {
      for (const g of obj.containing) {
        const list = profiles.groupEntries(g);
        if (list) overlay(cls, list);
      }
    }
    const res = obj.res;
    for (let i = 0; i < n; i++) {
      const s = slotOf(winners[i], obj.runner);
      if (res[i] !== s) res[i] = s;
    }
    contribution(obj, cls, mode);
  }

  /** Applies the class picks that changed since the object was last resolved in full. */
  function settle(obj: ObjectRecord) {
    const cls = obj.cls;
    if (cls !== undefined && obj.epoch !== cls.epoch) refreshAll(obj, 'quiet');
  }

  /**
   * For a change to one of an object's profiles: true when the object waits to be resolved in full anyway (a
   * class pick changed), which will take this change in too. Its runner is reported changed now.
   */
  function deferred(obj: ObjectRecord): boolean {
    const cls = obj.cls;
    if (cls === undefined || obj.epoch === cls.epoch) return false;
    const r = obj.runnerRec;
    if (r?.live) distribution.report(r);
    return true;
  }

  /** The same for every object of a runner marked by a class pick change. */
  function settleRunner(r: Runner | undefined) {
    if (r === undefined || !r.stale) return;
    r.stale = false;
    for (const id of r.objects) settle(objects.get(id)!);
  }

  /** Stores one profile's new resolution on the object and moves its runner's tag by the difference. */
  function setSlot(obj: ObjectRecord, cls: ClassNode, i: number, s: Slot) {
    const before = obj.res[i] ?? DEFAULT_SLOT;
    if (before === s) return;
    obj.res[i] = s;
    if (before.h === s.h) return;
    let a = obj.sumA;
    let b = obj.sumB;
    const ks = cls.wfOfProfile[i]!;
    for (let j = 0; j < ks.length; j++) {
      const k = ks[j]!;
      const xo = mix3(cls.wfHash[k]!, obj.hi, before.h);
      const xn = mix3(cls.wfHash[k]!, obj.hi, s.h);
      a = (a - xo + xn) >>> 0;
      b = (b - fmix(xo ^ 0x5bd1e995) + fmix(xn ^ 0x5bd1e995)) >>> 0;
    }
    if (a === obj.sumA && b === obj.sumB) return;
    distribution.contribute(obj, a, b);
    obj.sumA = a;
    obj.sumB = b;
  }

  /** Re-resolves only the profiles given, updating the runner's tag where one changed. */
  function refresh(obj: ObjectRecord, only: Iterable<string>) {
    const cls = obj.cls;
    if (!cls || deferred(obj)) return;
    for (const p of only) {
      const i = cls.profileIndex.get(p);
      if (i === undefined) continue;
      setSlot(obj, cls, i, slotOf(profiles.best(p, obj.def.id, obj.containing, cls.ancestors), obj.runner));
    }
  }

  /** The score a slot's winner has for objects of the class (-1 for none). */
  function scoreIn(cls: ClassNode, e: Entry | undefined): number {
    if (e === undefined) return -1;
    if (e.a.scope.kind !== 'class') return e.score;
    return e.score + cls.ancestors.length - cls.ancestors.indexOf(e.a.scope.classId);
  }

  /**
   * After an object- or group-scoped entry was removed or replaced: re-resolves its profile on the objects
   * it reached where it was the winner (elsewhere its going changes nothing).
   */
  function dropEntry(reached: Iterable<ObjectRecord>, gone: Entry) {
    const p = gone.a.profileId;
    for (const obj of reached) {
      const cls = obj.cls;
      const i = cls?.profileIndex.get(p);
      if (i === undefined || deferred(obj) || obj.res[i]?.e !== gone) continue;
      setSlot(obj, cls!, i, slotOf(profiles.best(p, obj.def.id, obj.containing, cls!.ancestors), obj.runner));
    }
  }

  /** After an object- or group-scoped entry was added: it wins on the objects it reaches where it beats the winner. */
  function addEntry(reached: Iterable<ObjectRecord>, e: Entry) {
    const p = e.a.profileId;
    for (const obj of reached) {
      const cls = obj.cls;
      const i = cls?.profileIndex.get(p);
      if (i === undefined || deferred(obj)) continue;
      const cur = obj.res[i]?.e;
      if (beats(e, e.score, cur, scoreIn(cls!, cur))) setSlot(obj, cls!, i, slotOf(e, obj.runner));
    }
  }

  /** The classes using the association's profile whose objects its class or all scope reaches. */
  function staticReach(a: Association): ClassNode[] {
    const ids =
      a.scope.kind === 'class'
        ? classes.descendants(a.scope.classId)
        : a.scope.kind === 'all'
          ? classes.usingProfile(a.profileId)
          : [];
    const out: ClassNode[] = [];
    for (const id of ids) {
      const cls = classes.get(id)!;
      if (cls.profileIndex.has(a.profileId)) out.push(cls);
    }
    return out;
  }

  /** What a class- or all-scoped association change can alter: a profile's pick for a class, as it was. */
  interface Before {
    profileId: string;
    cls: ClassNode;
    pick: Pick | null;
  }

  /** Before associations change: the picks of every class their class or all scopes reach. */
  function picksBefore(assocs: readonly (Association | undefined)[]): Before[] {
    const out: Before[] = [];
    const seen = new Set<string>();
    for (const a of assocs) {
      if (!a) continue;
      for (const cls of staticReach(a)) {
        const key = `${a.profileId}\u0000${cls.id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ profileId: a.profileId, cls, pick: profiles.classPick(a.profileId, cls.ancestors) });
      }
    }
    return out;
  }

  /** Raised for every class pick change; a class's epoch is the last raise that touched it. */
  let epoch = 0;

  /**
   * After class- or all-scoped associations changed: where a class's pick changed, its objects are re-resolved
   * when next read (settle) and their runners are reported changed now. One pick can reach tens of thousands of
   * objects: the change visits each once to find its runner, and the resolving waits for a read of the runner
   * (its tag or configuration) or of the object. A runner reported this way whose entries end up the same keeps
   * its tag.
   */
  function repick(before: readonly Before[]) {
    for (const { profileId, cls, pick } of before) {
      const after = profiles.classPick(profileId, cls.ancestors);
      if (pick === after || (pick && after && pick.e === after.e && pick.score === after.score)) continue;
      cls.epoch = ++epoch;
      const list = objects.ofClass(cls.id);
      for (let k = 0; k < list.length; k++) {
        const r = list[k]!.runnerRec;
        if (r === undefined || r.stale || !r.live) continue;
        r.stale = true;
        distribution.report(r);
      }
    }
  }

  /**
   * Recomputes containment for the given objects (hosts before what they host) and, below any whose
   * set changed, for everything they host; re-resolves those whose set changed.
   */
  function recontain(roots: readonly string[]) {
    const queue = [...roots];
    const groupScoped = profiles.hasGroupScoped();
    for (let i = 0; i < queue.length; i++) {
      const obj = objects.get(queue[i]!);
      if (!obj) continue;
      const next = groups.containingOf(obj);
      if (sameSet(next, obj.containing)) {
        obj.containing = next;
        continue;
      }
      obj.containing = next;
      if (groupScoped) refreshAll(obj);
      for (const c of obj.children ?? []) queue.push(c.def.id);
    }
  }

  return {
    /** The object's resolution for a profile: the stored one when its class uses the profile, else computed. */
    resolve(profileId: string, obj: ObjectRecord): Resolution {
      settle(obj);
      const i = obj.cls?.profileIndex.get(profileId);
      const stored = i === undefined ? undefined : obj.res[i];
      if (stored) return stored.r;
      const ancestors = classes.ancestors(obj.def.classId);
      return slotOf(profiles.best(profileId, obj.def.id, obj.containing, ancestors), obj.runner).r;
    },

    /** The resolution stored for one of the workflows of the object's class (its runner settled first). */
    entry(obj: ObjectRecord, cls: ClassNode, k: number): Resolution {
      const pi = cls.wfProfile[k]!;
      return pi < 0 ? DEFAULT : (obj.res[pi] ?? DEFAULT_SLOT).r;
    },

    /** Groups, resolves and files a new object (its host must be in place already). */
    insert(obj: ObjectRecord) {
      groups.place(obj);
      obj.containing = groups.containingOf(obj);
      refreshAll(obj, 'file');
      distribution.addObject(obj, true);
    },

    /**
     * The same while the engine is built: the caller passes the host's record and the groups that list the
     * object, and runners are not reported changed.
     */
    build(obj: ObjectRecord, host: ObjectRecord | undefined, listed: readonly string[]) {
      groups.place(obj, listed);
      obj.containing = groups.containingOf(obj, host);
      refreshAll(obj, 'file');
      distribution.addObject(obj, false);
    },

    refresh,
    refreshAll,
    settle,
    settleRunner,
    picksBefore,
    repick,
    dropEntry,
    addEntry,
    recontain,

    /** Containment for a set of objects whose group memberships may have changed, parents first. */
    recontainAll(ids: Iterable<string>) {
      const depth = new Map<string, number>();
      for (const id of ids) if (objects.has(id)) depth.set(id, objects.depth(id));
      // Depth first by hosting so a host's new set exists before its children read it.
      recontain([...depth.keys()].sort((a, b) => depth.get(a)! - depth.get(b)!));
    },

    /** Re-resolves what uses an account: on the given runners only, or everywhere. */
    refreshAccountUsers(accountId: string, runnerFilter?: ReadonlySet<string>) {
      const visit = (obj: ObjectRecord) => {
        const cls = obj.cls;
        if (!cls || deferred(obj)) return;
        const ps: string[] = [];
        for (let k = 0; k < obj.res.length; k++)
          if (obj.res[k]!.e?.a.accountId === accountId) ps.push(cls.profiles[k]!);
        if (ps.length) refresh(obj, ps);
      };
      if (!runnerFilter) {
        for (const obj of objects.values()) visit(obj);
        return;
      }
      for (const r of runnerFilter)
        for (const oid of distribution.objectsFiledUnder(r) ?? []) visit(objects.get(oid)!);
    },
  };
}
