// Per-object resolution over the engine's indexes: each object's resolution per profile of its class, its
// contribution to its runner's tag, and the re-resolution of exactly what a change can reach.
import type { ClassIndex, ClassNode } from './class-index.js';
import type { DistributionIndex } from './distribution-index.js';
import type { GroupIndex } from './group-index.js';
import { sameSet } from './group-index.js';
import { fmix, hashString, mix3 } from './hash.js';
import type { Association, Resolution } from './model.js';
import type { ObjectIndex, ObjectRecord } from './object-index.js';
import type { ProfileIndex } from './profile-index.js';

export const DEFAULT: Resolution = Object.freeze({ kind: 'default-action-account' });

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
  /** Resolutions are interned per association and kind: shared objects, hashed once. */
  const interned = new WeakMap<Association, { account: Resolution; notDistributed: Resolution }>();
  const resHashes = new WeakMap<Resolution, number>([[DEFAULT, 0x2545f491]]);
  const resolutionOf = (a: Association, distributed: boolean): Resolution => {
    let pair = interned.get(a);
    if (!pair) {
      const account: Resolution = { kind: 'account', accountId: a.accountId, associationId: a.id };
      const notDistributed: Resolution = {
        kind: 'not-distributed',
        accountId: a.accountId,
        associationId: a.id,
      };
      const ha = h(a.accountId);
      resHashes.set(account, fmix(ha ^ 0x68e31da4));
      resHashes.set(notDistributed, fmix(ha ^ 0x1b56c4e9));
      pair = { account, notDistributed };
      interned.set(a, pair);
    }
    return distributed ? pair.account : pair.notDistributed;
  };
  const resHash = (r: Resolution) => resHashes.get(r) ?? 0;

  function resolveFor(profileId: string, obj: ObjectRecord, ancestors: readonly string[]): Resolution {
    const winner = profiles.best(profileId, obj.def.id, obj.containing, ancestors);
    if (!winner) return DEFAULT;
    return resolutionOf(winner, distribution.isDistributed(winner.accountId, obj.runner));
  }

  function contribution(obj: ObjectRecord, cls: ClassNode): [number, number] {
    let a = 0;
    let b = 0;
    for (let k = 0; k < cls.wfHash.length; k++) {
      const pi = cls.wfProfile[k]!;
      const r = pi < 0 ? DEFAULT : (obj.res[pi] ?? DEFAULT);
      const x = mix3(cls.wfHash[k]!, obj.hi, resHash(r));
      a = (a + x) >>> 0;
      b = (b + fmix(x ^ 0x5bd1e995)) >>> 0;
    }
    return [a, b];
  }

  function setContribution(obj: ObjectRecord) {
    const cls = classes.get(obj.def.classId);
    const [a, b] = cls ? contribution(obj, cls) : [0, 0];
    if (a === obj.sumA && b === obj.sumB) return;
    distribution.contribute(obj, a, b);
    obj.sumA = a;
    obj.sumB = b;
  }

  /** Re-resolves the object's profiles (all, or only those given) and updates its runner's tag. */
  function refresh(obj: ObjectRecord, only?: Iterable<string>) {
    const cls = classes.get(obj.def.classId);
    if (!cls) return;
    let any = false;
    const one = (i: number) => {
      const before = obj.res[i];
      const after = resolveFor(cls.profiles[i]!, obj, cls.ancestors);
      if (before === after) return;
      obj.res[i] = after;
      any = true;
    };
    if (only === undefined) for (let i = 0; i < cls.profiles.length; i++) one(i);
    else
      for (const p of only) {
        const i = cls.profileIndex.get(p);
        if (i !== undefined) one(i);
      }
    if (any || only === undefined) setContribution(obj);
  }

  /**
   * Recomputes containment for the given objects (hosts before what they host) and, below any whose
   * set changed, for everything they host; re-resolves the profiles that have group-scoped associations.
   */
  function recontain(roots: readonly string[]) {
    const queue = [...roots];
    const groupProfiles = profiles.groupScoped();
    for (let i = 0; i < queue.length; i++) {
      const obj = objects.get(queue[i]!);
      if (!obj) continue;
      const next = groups.containingOf(obj);
      if (sameSet(next, obj.containing)) {
        obj.containing = next;
        continue;
      }
      obj.containing = next;
      if (groupProfiles.length) refresh(obj, groupProfiles);
      for (const c of obj.children ?? []) queue.push(c);
    }
  }

  return {
    /** The object's resolution for a profile: the stored one when its class uses the profile, else computed. */
    resolve(profileId: string, obj: ObjectRecord): Resolution {
      const i = classes.get(obj.def.classId)?.profileIndex.get(profileId);
      return (
        (i === undefined ? undefined : obj.res[i]) ??
        resolveFor(profileId, obj, classes.ancestors(obj.def.classId))
      );
    },

    /** The resolution stored for one of the workflows of the object's class (by its index there). */
    entry(obj: ObjectRecord, cls: ClassNode, k: number): Resolution {
      const pi = cls.wfProfile[k]!;
      return pi < 0 ? DEFAULT : (obj.res[pi] ?? DEFAULT);
    },

    /** Groups, resolves and files a new object (its host must be in place already). */
    insert(obj: ObjectRecord) {
      groups.place(obj);
      obj.containing = groups.containingOf(obj);
      distribution.addObject(obj);
      refresh(obj);
    },

    refresh,
    recontain,

    /** Containment for a set of objects whose group memberships may have changed, parents first. */
    recontainAll(ids: Iterable<string>) {
      const list = [...ids].filter((id) => objects.has(id));
      // Depth first by hosting so a host's new set exists before its children read it.
      list.sort((a, b) => objects.depth(a) - objects.depth(b));
      recontain(list);
    },

    /** Re-resolves what uses an account: on the given runners only, or everywhere. */
    refreshAccountUsers(accountId: string, runnerFilter?: ReadonlySet<string>) {
      const visit = (obj: ObjectRecord) => {
        const cls = classes.get(obj.def.classId);
        if (!cls) return;
        const ps = cls.profiles.filter((_, k) => {
          const r = obj.res[k];
          return r !== undefined && r.kind !== 'default-action-account' && r.accountId === accountId;
        });
        if (ps.length) refresh(obj, ps);
      };
      if (!runnerFilter) {
        for (const obj of objects.values()) visit(obj);
        return;
      }
      for (const r of runnerFilter)
        for (const oid of distribution.objectsOf(r) ?? []) visit(objects.get(oid)!);
    },
  };
}
