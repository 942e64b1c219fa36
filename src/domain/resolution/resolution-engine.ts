// The resolution engine: in-memory indexes over the inventory, profiles and distribution that answer,
// for every (workflow, object), which account runs it — and keep each runner's configuration and
// version tag up to date incrementally as single things change.
import { type Condition, matchesAll } from '../inventory/conditions.js';
import type { GroupRule } from '../inventory/membership.js';
import { fmix, HashSum, hashString, mix3 } from './hash.js';
import {
  type AccountDistribution,
  type Association,
  type ClassDef,
  compareKeys,
  type GroupDef,
  type ObjectDef,
  type PoolDef,
  type Resolution,
  type ResolutionInput,
  type RunnerDef,
  scopeRank,
  type WorkflowDef,
  winnerKey,
} from './model.js';

const DEFAULT: Resolution = Object.freeze({ kind: 'default-action-account' });
const EMPTY: ReadonlySet<string> = new Set();
/** Shared by every object in no group directly; replaced, never mutated. */
const NO_GROUPS: string[] = [];

interface ClassNode {
  id: string;
  baseClassId: string | null;
  /** Self first, then each base up to the root. */
  ancestors: string[];
  children: Set<string>;
  /** Workflows that target this class or one of its bases. */
  workflows: WorkflowDef[];
  /** The distinct profiles those workflows name; an object's resolutions are stored in this order. */
  profiles: string[];
  profileIndex: Map<string, number>;
  /** Per workflow: its id hash and the index of its profile (-1: none, the default action account). */
  wfHash: number[];
  wfProfile: number[];
}

interface Obj {
  def: ObjectDef;
  runner: string;
  hi: number;
  children: Set<string> | undefined;
  /** Groups that hold this object directly: explicit members and rule matches. */
  direct: string[];
  /** Every group that contains it: through nesting and through its hosts (shared with the host when equal). */
  containing: ReadonlySet<string>;
  /** One resolution per profile of the class, in ClassNode.profiles order. */
  res: Resolution[];
  sumA: number;
  sumB: number;
}

interface Runner {
  def: RunnerDef;
  objects: Set<string>;
  objects_: HashSum;
  accounts: HashSum;
}

interface ProfileIndex {
  count: number;
  byObject: Map<string, Association[]>;
  byGroup: Map<string, Association[]>;
  byClass: Map<string, Association[]>;
  all: Association[];
}

interface Account {
  def: AccountDistribution;
  approved: Set<string>;
  hA: number;
  hB: number;
}

interface Group {
  def: GroupDef;
  parents: Set<string>;
}

export interface ConfigEntry {
  workflowId: string;
  objectId: string;
  resolution: Resolution;
}

export interface RunnerConfig {
  runnerId: string;
  tag: string;
  defaultActionAccountId: string | null;
  entries: ConfigEntry[];
  accounts: { id: string; version: number }[];
}

/** One matching association, with what made it match: the explain output and conflict findings use it. */
export interface Candidate {
  association: Association;
  key: number[];
  /** For group scope: the contained host the match came through, when not the object itself. */
  via?: string;
}

export type ResolutionEngine = ReturnType<typeof createResolutionEngine>;

export function createResolutionEngine(input: ResolutionInput) {
  const classes = new Map<string, ClassNode>();
  const objects = new Map<string, Obj>();
  const objectsByClass = new Map<string, Set<string>>();
  const runners = new Map<string, Runner>();
  const pools = new Map<string, Set<string>>();
  const groups = new Map<string, Group>();
  const directMembers = new Map<string, Set<string>>();
  /** Groups that list each object as an explicit member. */
  const explicitGroups = new Map<string, Set<string>>();
  const rulesByClass = new Map<string, { groupId: string; rule: GroupRule }[]>();
  const closureCache = new Map<string, ReadonlySet<string>>();
  const workflows = new Map<string, WorkflowDef>();
  const profiles = new Map<string, ProfileIndex>();
  const associations = new Map<string, Association>();
  const accounts = new Map<string, Account>();
  /** Accounts approved for each target (computer, server or pool) by more-secure distribution. */
  const approvedFor = new Map<string, Set<string>>();
  const lessSecure = new HashSum();
  const changed = new Set<string>();
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

  const addTo = <K, V>(m: Map<K, Set<V>>, k: K, v: V) => {
    let s = m.get(k);
    if (!s) {
      s = new Set();
      m.set(k, s);
    }
    s.add(v);
  };

  // ---------------------------------------------------------------- classes and workflows

  function indexClasses(defs: readonly ClassDef[], wfs: readonly WorkflowDef[]) {
    classes.clear();
    for (const c of defs) {
      classes.set(c.id, {
        id: c.id,
        baseClassId: c.baseClassId,
        ancestors: [],
        children: new Set(),
        workflows: [],
        profiles: [],
        profileIndex: new Map(),
        wfHash: [],
        wfProfile: [],
      });
    }
    for (const c of classes.values()) if (c.baseClassId) classes.get(c.baseClassId)?.children.add(c.id);
    for (const c of classes.values()) {
      const seen = new Set<string>();
      let cur: ClassNode | undefined = c;
      while (cur && !seen.has(cur.id)) {
        seen.add(cur.id);
        c.ancestors.push(cur.id);
        cur = cur.baseClassId ? classes.get(cur.baseClassId) : undefined;
      }
    }
    workflows.clear();
    const byTarget = new Map<string, WorkflowDef[]>();
    for (const w of wfs) {
      workflows.set(w.id, w);
      const list = byTarget.get(w.targetClassId);
      if (list) list.push(w);
      else byTarget.set(w.targetClassId, [w]);
    }
    for (const c of classes.values()) {
      for (const a of c.ancestors) c.workflows.push(...(byTarget.get(a) ?? []));
      c.profiles = [...new Set(c.workflows.map((w) => w.profileId).filter((p): p is string => p !== null))];
      c.profileIndex = new Map(c.profiles.map((p, k) => [p, k]));
      c.wfHash = c.workflows.map((w) => hashString(w.id));
      c.wfProfile = c.workflows.map((w) => (w.profileId === null ? -1 : c.profileIndex.get(w.profileId)!));
    }
  }

  const descendants = (classId: string): string[] => {
    const out = classes.has(classId) ? [classId] : [];
    for (let i = 0; i < out.length; i++) out.push(...classes.get(out[i]!)!.children);
    return out;
  };

  // ---------------------------------------------------------------- groups

  /** The group and every group that includes it as a nested group, transitively. */
  const closure = (groupId: string): ReadonlySet<string> => {
    const c = closureCache.get(groupId);
    if (c) return c;
    const out = new Set<string>([groupId]);
    const queue = [groupId];
    for (let i = 0; i < queue.length; i++) {
      for (const p of groups.get(queue[i]!)?.parents ?? []) {
        if (!out.has(p)) {
          out.add(p);
          queue.push(p);
        }
      }
    }
    closureCache.set(groupId, out);
    return out;
  };

  const ruleMatches = (o: ObjectDef, conditions: readonly Condition[]) => matchesAll(o, conditions);

  function computeDirect(o: ObjectDef, explicit: Iterable<string>): string[] {
    const anc = classes.get(o.classId)?.ancestors ?? [];
    if ((explicit as { size?: number; length?: number }).size === 0 || (explicit as unknown[]).length === 0) {
      if (!anc.some((c) => rulesByClass.has(c))) return NO_GROUPS;
    }
    const out = new Set<string>(explicit);
    for (const cls of classes.get(o.classId)?.ancestors ?? []) {
      for (const { groupId, rule } of rulesByClass.get(cls) ?? []) {
        if (!out.has(groupId) && ruleMatches(o, rule.conditions)) out.add(groupId);
      }
    }
    return [...out];
  }

  function computeContaining(obj: Obj): ReadonlySet<string> {
    const hostSet = obj.def.hostId ? (objects.get(obj.def.hostId)?.containing ?? EMPTY) : EMPTY;
    if (obj.direct.length === 0) return hostSet;
    const out = new Set(hostSet);
    for (const g of obj.direct) for (const c of closure(g)) out.add(c);
    return out.size === hostSet.size ? hostSet : out;
  }

  const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => {
    if (a === b) return true;
    if (a.size !== b.size) return false;
    for (const x of a) if (!b.has(x)) return false;
    return true;
  };

  // ---------------------------------------------------------------- resolution

  /** Enforced, then scope rank, then class depth, packed into one number (larger wins); older wins ties. */
  const scoreOf = (a: Association, depth: number) =>
    ((a.enforced ? 8 : 0) + scopeRank[a.scope.kind]) * 1024 + depth;

  // The running best of one bestCandidate call: kept outside it so the hot path allocates nothing.
  let best: Association | undefined;
  let bestScore = -1;
  function pick(list: readonly Association[] | undefined, depth: number) {
    if (!list) return;
    for (let k = 0; k < list.length; k++) {
      const a = list[k]!;
      const sc = scoreOf(a, depth);
      if (sc > bestScore || (sc === bestScore && a.order < best!.order)) {
        best = a;
        bestScore = sc;
      }
    }
  }

  function bestCandidate(profileId: string, obj: Obj): Association | undefined {
    const idx = profiles.get(profileId);
    if (!idx || idx.count === 0) return undefined;
    best = undefined;
    bestScore = -1;
    pick(idx.byObject.get(obj.def.id), 0);
    if (idx.byGroup.size > 0) for (const g of obj.containing) pick(idx.byGroup.get(g), 0);
    if (idx.byClass.size > 0) {
      const anc = classes.get(obj.def.classId)?.ancestors ?? [];
      for (let i = 0; i < anc.length; i++) pick(idx.byClass.get(anc[i]!), anc.length - i);
    }
    pick(idx.all, 0);
    return best;
  }

  const isDistributed = (accountId: string, runnerId: string) => {
    const a = accounts.get(accountId);
    return Boolean(a && (a.def.security === 'less-secure' || a.approved.has(runnerId)));
  };

  function resolveFor(profileId: string, obj: Obj): Resolution {
    const winner = bestCandidate(profileId, obj);
    if (!winner) return DEFAULT;
    return resolutionOf(winner, isDistributed(winner.accountId, obj.runner));
  }

  function contribution(obj: Obj): [number, number] {
    let a = 0;
    let b = 0;
    const cls = classes.get(obj.def.classId);
    if (!cls) return [0, 0];
    for (let k = 0; k < cls.wfHash.length; k++) {
      const pi = cls.wfProfile[k]!;
      const r = pi < 0 ? DEFAULT : (obj.res[pi] ?? DEFAULT);
      const x = mix3(cls.wfHash[k]!, obj.hi, resHash(r));
      a = (a + x) >>> 0;
      b = (b + fmix(x ^ 0x5bd1e995)) >>> 0;
    }
    return [a, b];
  }

  /** Re-resolves the object's profiles (all, or only those given) and updates its runner's tag. */
  function refresh(obj: Obj, only?: Iterable<string>) {
    const cls = classes.get(obj.def.classId);
    if (!cls) return;
    let any = false;
    const one = (i: number) => {
      const before = obj.res[i];
      const after = resolveFor(cls.profiles[i]!, obj);
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

  function setContribution(obj: Obj) {
    const [a, b] = contribution(obj);
    if (a === obj.sumA && b === obj.sumB) return;
    const runner = runners.get(obj.runner);
    if (runner) {
      runner.objects_.remove(obj.sumA, obj.sumB);
      runner.objects_.add(a, b);
      changed.add(runner.def.id);
    }
    obj.sumA = a;
    obj.sumB = b;
  }

  // ---------------------------------------------------------------- objects

  function runnerOf(def: ObjectDef): string {
    if (def.hostId === null) return def.id;
    const host = objects.get(def.hostId);
    return host ? host.runner : def.hostId;
  }

  function insertObject(def: ObjectDef, explicit: Iterable<string>) {
    const obj: Obj = {
      def,
      runner: runnerOf(def),
      hi: hashString(def.id),
      children: undefined,
      direct: [],
      containing: EMPTY,
      res: [],
      sumA: 0,
      sumB: 0,
    };
    objects.set(def.id, obj);
    addTo(objectsByClass, def.classId, def.id);
    if (def.hostId) {
      const host = objects.get(def.hostId);
      if (host) {
        host.children ??= new Set();
        host.children.add(def.id);
      }
    }
    obj.direct = computeDirect(def, explicit);
    for (const g of obj.direct) addTo(directMembers, g, def.id);
    obj.containing = computeContaining(obj);
    runners.get(obj.runner)?.objects.add(def.id);
    refresh(obj);
  }

  /**
   * Recomputes containment for the given objects (hosts before what they host) and, below any whose
   * set changed, for everything they host; re-resolves the profiles that have group-scoped associations.
   */
  function recontain(roots: readonly string[]) {
    const queue = [...roots];
    const groupProfiles = [...profiles.entries()].filter(([, idx]) => idx.byGroup.size > 0).map(([id]) => id);
    for (let i = 0; i < queue.length; i++) {
      const obj = objects.get(queue[i]!);
      if (!obj) continue;
      const next = computeContaining(obj);
      if (sameSet(next, obj.containing)) {
        obj.containing = next;
        continue;
      }
      obj.containing = next;
      if (groupProfiles.length) refresh(obj, groupProfiles);
      for (const c of obj.children ?? []) queue.push(c);
    }
  }

  function removeSubtree(id: string) {
    const obj = objects.get(id);
    if (!obj) return;
    for (const c of [...(obj.children ?? [])]) removeSubtree(c);
    const runner = runners.get(obj.runner);
    if (runner) {
      runner.objects.delete(id);
      runner.objects_.remove(obj.sumA, obj.sumB);
      changed.add(runner.def.id);
    }
    for (const g of obj.direct) directMembers.get(g)?.delete(id);
    objectsByClass.get(obj.def.classId)?.delete(id);
    if (obj.def.hostId) objects.get(obj.def.hostId)?.children?.delete(id);
    objects.delete(id);
  }

  // ---------------------------------------------------------------- associations

  function profileIndex(profileId: string): ProfileIndex {
    let idx = profiles.get(profileId);
    if (!idx) {
      idx = { count: 0, byObject: new Map(), byGroup: new Map(), byClass: new Map(), all: [] };
      profiles.set(profileId, idx);
    }
    return idx;
  }

  function indexAssociation(a: Association, add: boolean) {
    const idx = profileIndex(a.profileId);
    const edit = (m: Map<string, Association[]>, k: string) => {
      const list = m.get(k) ?? [];
      const next = add ? [...list, a] : list.filter((x) => x.id !== a.id);
      if (next.length) m.set(k, next);
      else m.delete(k);
    };
    switch (a.scope.kind) {
      case 'object':
        edit(idx.byObject, a.scope.objectId);
        break;
      case 'group':
        edit(idx.byGroup, a.scope.groupId);
        break;
      case 'class':
        edit(idx.byClass, a.scope.classId);
        break;
      case 'all':
        idx.all = add ? [...idx.all, a] : idx.all.filter((x) => x.id !== a.id);
        break;
    }
    idx.count += add ? 1 : -1;
  }

  /** The objects an association's scope can reach, among those a workflow using the profile targets. */
  function reach(a: Association): Iterable<string> {
    switch (a.scope.kind) {
      case 'object':
        return objects.has(a.scope.objectId) ? [a.scope.objectId] : [];
      case 'group':
        return groupMembers(a.scope.groupId);
      case 'class':
        return descendants(a.scope.classId).flatMap((c) => [...(objectsByClass.get(c) ?? [])]);
      case 'all':
        return targetedBy(a.profileId);
    }
  }

  function targetedBy(profileId: string): string[] {
    const out: string[] = [];
    for (const c of classes.values()) {
      if (c.profiles.includes(profileId)) for (const o of objectsByClass.get(c.id) ?? []) out.push(o);
    }
    return out;
  }

  /** Every object a group contains: direct members of it and its nested groups, and all they host. */
  function groupMembers(groupId: string): string[] {
    const gs = [groupId];
    const seenG = new Set(gs);
    for (let i = 0; i < gs.length; i++) {
      for (const s of groups.get(gs[i]!)?.def.subgroups ?? []) {
        if (!seenG.has(s) && groups.has(s)) {
          seenG.add(s);
          gs.push(s);
        }
      }
    }
    const out = new Set<string>();
    const queue: string[] = [];
    for (const g of gs)
      for (const o of directMembers.get(g) ?? []) if (!out.has(o)) out.add(o) && queue.push(o);
    for (let i = 0; i < queue.length; i++) {
      for (const c of objects.get(queue[i]!)?.children ?? []) {
        if (!out.has(c)) {
          out.add(c);
          queue.push(c);
        }
      }
    }
    return [...out];
  }

  // ---------------------------------------------------------------- accounts and runners

  function accountHash(def: AccountDistribution): [number, number] {
    const x = hashString(`${def.id}:${def.version}`);
    return [x, fmix(x ^ 0x27d4eb2f)];
  }

  function runnerAccountsTouch(runnerId: string, a: Account, add: boolean) {
    const r = runners.get(runnerId);
    if (!r) return;
    if (add) r.accounts.add(a.hA, a.hB);
    else r.accounts.remove(a.hA, a.hB);
    changed.add(runnerId);
  }

  function placeAccount(a: Account, add: boolean) {
    if (a.def.security === 'less-secure') {
      if (add) lessSecure.add(a.hA, a.hB);
      else lessSecure.remove(a.hA, a.hB);
      for (const id of runners.keys()) changed.add(id);
      return;
    }
    for (const t of a.approved) {
      if (add) addTo(approvedFor, t, a.def.id);
      else approvedFor.get(t)?.delete(a.def.id);
      runnerAccountsTouch(t, a, add);
    }
  }

  /** Re-resolves what uses an account: on the given runners only, or everywhere. */
  function refreshAccountUsers(accountId: string, runnerFilter?: ReadonlySet<string>) {
    const visit = (obj: Obj) => {
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
    for (const r of runnerFilter) for (const oid of runners.get(r)?.objects ?? []) visit(objects.get(oid)!);
  }

  // ---------------------------------------------------------------- load

  function load(data: ResolutionInput) {
    indexClasses(data.classes, data.workflows);
    for (const p of data.pools) pools.set(p.id, new Set(p.members));
    for (const r of data.runners)
      runners.set(r.id, { def: r, objects: new Set(), objects_: new HashSum(), accounts: new HashSum() });
    for (const a of data.accounts) {
      const [hA, hB] = accountHash(a);
      const acc: Account = { def: a, approved: new Set(a.approved), hA, hB };
      accounts.set(a.id, acc);
      placeAccount(acc, true);
    }
    for (const a of data.associations) {
      associations.set(a.id, a);
      indexAssociation(a, true);
    }
    for (const g of data.groups) {
      groups.set(g.id, { def: g, parents: new Set() });
      for (const m of g.members) addTo(explicitGroups, m, g.id);
      for (const rule of g.rules) {
        const list = rulesByClass.get(rule.classId) ?? [];
        list.push({ groupId: g.id, rule });
        rulesByClass.set(rule.classId, list);
      }
    }
    for (const g of data.groups) for (const s of g.subgroups) groups.get(s)?.parents.add(g.id);
    // Hosts before what they host, so containment and runners can be read from the host.
    const byHost = new Map<string | null, ObjectDef[]>();
    for (const o of data.objects) {
      const list = byHost.get(o.hostId);
      if (list) list.push(o);
      else byHost.set(o.hostId, [o]);
    }
    const order: ObjectDef[] = [...(byHost.get(null) ?? [])];
    for (let i = 0; i < order.length; i++) order.push(...(byHost.get(order[i]!.id) ?? []));
    for (const o of order) insertObject(o, explicitGroups.get(o.id) ?? []);
    changed.clear();
  }

  load(input);

  // ---------------------------------------------------------------- public surface

  function requireObject(id: string): Obj {
    const o = objects.get(id);
    if (!o) throw new Error(`unknown object ${id}`);
    return o;
  }

  return {
    // -------- queries
    resolveProfile(profileId: string, objectId: string): Resolution {
      const obj = requireObject(objectId);
      const i = classes.get(obj.def.classId)?.profileIndex.get(profileId);
      return (i === undefined ? undefined : obj.res[i]) ?? resolveFor(profileId, obj);
    },
    resolveWorkflow(workflowId: string, objectId: string): Resolution {
      const w = workflows.get(workflowId);
      if (!w) throw new Error(`unknown workflow ${workflowId}`);
      return w.profileId === null ? DEFAULT : this.resolveProfile(w.profileId, objectId);
    },
    /** Whether a group contains the object: directly, through nested groups, or through its host (R19). */
    inGroup(objectId: string, groupId: string): boolean {
      return objects.get(objectId)?.containing.has(groupId) ?? false;
    },
    /** Whether a class is the other or derives from it. */
    isA(classId: string, baseClassId: string): boolean {
      return classes.get(classId)?.ancestors.includes(baseClassId) ?? false;
    },
    /** The class and every class it derives from, nearest first (the class alone when the engine lacks it). */
    classAndAncestors(classId: string): readonly string[] {
      return classes.get(classId)?.ancestors ?? [classId];
    },
    /** Every group that contains the object: directly, through nested groups, or through its host (R19). */
    groupsOf(objectId: string): ReadonlySet<string> {
      return objects.get(objectId)?.containing ?? EMPTY;
    },
    /** The class of an object, if the engine knows it. */
    classOf(objectId: string): string | undefined {
      return objects.get(objectId)?.def.classId;
    },
    /** Every matching association of a profile for an object, best first (explain and conflict findings). */
    candidates(profileId: string, objectId: string): Candidate[] {
      const obj = requireObject(objectId);
      const idx = profiles.get(profileId);
      if (!idx) return [];
      const out: Candidate[] = [];
      for (const a of idx.byObject.get(objectId) ?? []) out.push({ association: a, key: winnerKey(a, 0) });
      for (const g of obj.containing)
        for (const a of idx.byGroup.get(g) ?? []) out.push({ association: a, key: winnerKey(a, 0) });
      const anc = classes.get(obj.def.classId)?.ancestors ?? [];
      anc.forEach((c, i) => {
        for (const a of idx.byClass.get(c) ?? [])
          out.push({ association: a, key: winnerKey(a, anc.length - i) });
      });
      for (const a of idx.all) out.push({ association: a, key: winnerKey(a, 0) });
      return out.sort((x, y) => compareKeys(y.key, x.key));
    },
    isDistributed,
    runnerOfObject: (objectId: string) => requireObject(objectId).runner,
    hostChain(objectId: string): string[] {
      const out: string[] = [];
      let cur = objects.get(objectId);
      while (cur?.def.hostId) {
        out.push(cur.def.hostId);
        cur = objects.get(cur.def.hostId);
      }
      return out;
    },
    groupsContaining: (objectId: string) => [...requireObject(objectId).containing],
    directGroups: (objectId: string) => [...requireObject(objectId).direct],
    classAncestors: (classId: string) => [...(classes.get(classId)?.ancestors ?? [])],
    workflowsFor: (objectId: string) => [
      ...(classes.get(requireObject(objectId).def.classId)?.workflows ?? []),
    ],
    hasObject: (id: string) => objects.has(id),
    hasRunner: (id: string) => runners.has(id),
    hasWorkflow: (id: string) => workflows.has(id),
    objectsOfRunner: (runnerId: string) => [...(runners.get(runnerId)?.objects ?? [])],
    objectsUsingAccount: (accountId: string) =>
      [...objects.values()]
        .filter((o) => o.res.some((r) => r.kind !== 'default-action-account' && r.accountId === accountId))
        .map((o) => o.def.id),
    groupMembers,
    runnerIds: () => [...runners.keys()],
    objectCount: () => objects.size,

    /** The runner's version tag: changes exactly when its entries, accounts or default action account change. */
    tagOf(runnerId: string): string | undefined {
      const r = runners.get(runnerId);
      if (!r) return undefined;
      const sum = new HashSum();
      sum.add(r.objects_.a, r.objects_.b);
      sum.add(r.accounts.a, r.accounts.b);
      sum.add(lessSecure.a, lessSecure.b);
      const d = hashString(`daa:${r.def.defaultActionAccountId ?? ''}`);
      sum.add(d, fmix(d));
      return sum.hex();
    },

    configOf(runnerId: string): RunnerConfig | undefined {
      const r = runners.get(runnerId);
      if (!r) return undefined;
      const entries: ConfigEntry[] = [];
      for (const oid of r.objects) {
        const obj = objects.get(oid)!;
        const cls = classes.get(obj.def.classId);
        if (!cls) continue;
        cls.workflows.forEach((w, k) => {
          if (w.runs === false) return;
          const pi = cls.wfProfile[k]!;
          entries.push({
            workflowId: w.id,
            objectId: oid,
            resolution: pi < 0 ? DEFAULT : (obj.res[pi] ?? DEFAULT),
          });
        });
      }
      return {
        runnerId,
        tag: this.tagOf(runnerId)!,
        defaultActionAccountId: r.def.defaultActionAccountId,
        entries,
        accounts: this.accountsFor(runnerId),
      };
    },

    /** Accounts a health service receives: less secure ones, approved ones, and (for servers) their pools'. */
    accountsFor(healthServiceId: string): { id: string; version: number }[] {
      const ids = new Set<string>(approvedFor.get(healthServiceId) ?? []);
      for (const [poolId, members] of pools)
        if (members.has(healthServiceId)) for (const a of approvedFor.get(poolId) ?? []) ids.add(a);
      for (const a of accounts.values()) if (a.def.security === 'less-secure') ids.add(a.def.id);
      return [...ids].sort().map((id) => ({ id, version: accounts.get(id)!.def.version }));
    },

    /** Runners whose tag changed since the last call. */
    drainChanged(): string[] {
      const out = [...changed];
      changed.clear();
      return out;
    },

    // -------- changes
    setAssociation(a: Association) {
      const old = associations.get(a.id);
      const touched = new Set<string>();
      if (old) {
        indexAssociation(old, false);
        for (const o of reach(old)) touched.add(o);
      }
      associations.set(a.id, a);
      indexAssociation(a, true);
      for (const o of reach(a)) touched.add(o);
      const ps = old && old.profileId !== a.profileId ? [old.profileId, a.profileId] : [a.profileId];
      for (const o of touched) {
        const obj = objects.get(o);
        if (obj) refresh(obj, ps);
      }
    },

    removeAssociation(id: string) {
      const old = associations.get(id);
      if (!old) return;
      indexAssociation(old, false);
      associations.delete(id);
      for (const o of reach(old)) {
        const obj = objects.get(o);
        if (obj) refresh(obj, [old.profileId]);
      }
    },

    setAccount(def: AccountDistribution) {
      const old = accounts.get(def.id);
      if (old) placeAccount(old, false);
      const [hA, hB] = accountHash(def);
      const acc: Account = { def, approved: new Set(def.approved), hA, hB };
      accounts.set(def.id, acc);
      placeAccount(acc, true);
      const wasLess = old?.def.security === 'less-secure';
      const isLess = def.security === 'less-secure';
      if (!old || wasLess || isLess) refreshAccountUsers(def.id);
      else {
        const diff = new Set<string>();
        for (const t of old.approved) if (!acc.approved.has(t)) diff.add(t);
        for (const t of acc.approved) if (!old.approved.has(t)) diff.add(t);
        refreshAccountUsers(def.id, diff);
      }
    },

    removeAccount(id: string) {
      const old = accounts.get(id);
      if (!old) return;
      placeAccount(old, false);
      accounts.delete(id);
      refreshAccountUsers(id);
    },

    upsertObject(def: ObjectDef) {
      const old = objects.get(def.id);
      if (!old) {
        insertObject(def, explicitGroups.get(def.id) ?? []);
        return;
      }
      if (old.def.hostId !== def.hostId || old.def.classId !== def.classId) {
        const childDefs: ObjectDef[] = [];
        const collect = (id: string) => {
          const o = objects.get(id);
          if (!o) return;
          for (const c of o.children ?? []) {
            childDefs.push(objects.get(c)!.def);
            collect(c);
          }
        };
        collect(def.id);
        removeSubtree(def.id);
        this.upsertObject(def);
        for (const c of childDefs) this.upsertObject(c);
        return;
      }
      old.def = def;
      const next = computeDirect(def, explicitGroups.get(def.id) ?? []);
      const same = next.length === old.direct.length && next.every((g) => old.direct.includes(g));
      if (!same) {
        for (const g of old.direct) directMembers.get(g)?.delete(def.id);
        for (const g of next) addTo(directMembers, g, def.id);
        old.direct = next;
        recontain([def.id]);
      }
    },

    removeObject(id: string) {
      removeSubtree(id);
    },

    setGroup(def: GroupDef) {
      const old = groups.get(def.id);
      const affected = new Set<string>(old ? groupMembers(def.id) : []);
      // Nesting changes the closure of every group below this one.
      if (old) for (const s of old.def.subgroups) groups.get(s)?.parents.delete(def.id);
      for (const m of old?.def.members ?? []) explicitGroups.get(m)?.delete(def.id);
      for (const m of def.members) addTo(explicitGroups, m, def.id);
      groups.set(def.id, { def, parents: old?.parents ?? new Set() });
      for (const g of groups.values())
        if (g.def.subgroups.includes(def.id)) groups.get(def.id)!.parents.add(g.def.id);
      for (const s of def.subgroups) groups.get(s)?.parents.add(def.id);
      closureCache.clear();
      for (const [cls, list] of rulesByClass) {
        const kept = list.filter((r) => r.groupId !== def.id);
        if (kept.length) rulesByClass.set(cls, kept);
        else rulesByClass.delete(cls);
      }
      for (const rule of def.rules) {
        const list = rulesByClass.get(rule.classId) ?? [];
        list.push({ groupId: def.id, rule });
        rulesByClass.set(rule.classId, list);
      }
      // Direct membership of this group: explicit members plus rule matches over the rule classes.
      const nextDirect = new Set<string>(def.members.filter((m) => objects.has(m)));
      for (const rule of def.rules) {
        for (const c of descendants(rule.classId)) {
          for (const oid of objectsByClass.get(c) ?? [])
            if (ruleMatches(objects.get(oid)!.def, rule.conditions)) nextDirect.add(oid);
        }
      }
      const prevDirect = directMembers.get(def.id) ?? new Set<string>();
      const roots = new Set<string>();
      for (const o of prevDirect) if (!nextDirect.has(o)) roots.add(o);
      for (const o of nextDirect) if (!prevDirect.has(o)) roots.add(o);
      directMembers.set(def.id, nextDirect);
      for (const o of roots) {
        const obj = objects.get(o);
        if (!obj) continue;
        obj.direct = nextDirect.has(o)
          ? [...new Set([...obj.direct, def.id])]
          : obj.direct.filter((g) => g !== def.id);
      }
      // Everything that was or is now a member may see a different set of containing groups.
      for (const o of groupMembers(def.id)) affected.add(o);
      for (const o of roots) affected.add(o);
      recontainAll(affected);
    },

    removeGroup(id: string) {
      if (!groups.has(id)) return;
      const affected = new Set(groupMembers(id));
      for (const s of groups.get(id)!.def.subgroups) groups.get(s)?.parents.delete(id);
      for (const m of groups.get(id)!.def.members) explicitGroups.get(m)?.delete(id);
      for (const g of groups.values()) g.parents.delete(id);
      groups.delete(id);
      closureCache.clear();
      for (const o of directMembers.get(id) ?? []) {
        const obj = objects.get(o);
        if (obj) obj.direct = obj.direct.filter((g) => g !== id);
      }
      directMembers.delete(id);
      for (const [cls, list] of rulesByClass) {
        const kept = list.filter((r) => r.groupId !== id);
        if (kept.length) rulesByClass.set(cls, kept);
        else rulesByClass.delete(cls);
      }
      recontainAll(affected);
    },

    setRunner(def: RunnerDef) {
      const r = runners.get(def.id);
      if (r) r.def = def;
      else {
        const runner: Runner = { def, objects: new Set(), objects_: new HashSum(), accounts: new HashSum() };
        runners.set(def.id, runner);
        for (const o of objects.values()) {
          if (o.runner !== def.id) continue;
          runner.objects.add(o.def.id);
          runner.objects_.add(o.sumA, o.sumB);
        }
        for (const aid of approvedFor.get(def.id) ?? []) {
          const a = accounts.get(aid);
          if (a) runner.accounts.add(a.hA, a.hB);
        }
      }
      changed.add(def.id);
    },

    removeRunner(id: string) {
      runners.delete(id);
    },

    setPoolMembers(pool: PoolDef) {
      pools.set(pool.id, new Set(pool.members));
    },
  };

  /** Containment for a set of objects whose group memberships may have changed, parents first. */
  function recontainAll(ids: Iterable<string>) {
    const list = [...ids].filter((id) => objects.has(id));
    // Depth first by hosting so a host's new set exists before its children read it.
    const depth = (id: string) => {
      let d = 0;
      let cur = objects.get(id);
      while (cur?.def.hostId) {
        d++;
        cur = objects.get(cur.def.hostId);
      }
      return d;
    };
    list.sort((a, b) => depth(a) - depth(b));
    recontain(list);
  }
}
