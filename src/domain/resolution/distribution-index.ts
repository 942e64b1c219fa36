// Distribution in the resolution engine: which accounts each runner (computer or pool) and each pool member
// receives, the objects each runner runs work for, and each runner's version tag as an order-free hash sum.
import { fmix, HashSum, hashString } from './hash.js';
import type { AccountDistribution, PoolDef, RunnerDef } from './model.js';
import type { ObjectRecord } from './object-index.js';
import { addTo } from './sets.js';

/** A runner as the distribution index keeps it; objects hold theirs (ObjectRecord.runnerRec) to skip the lookup. */
export interface Runner {
  def: RunnerDef;
  /** False once removed: an object still holding it then contributes nowhere. */
  live: boolean;
  /** Reported changed since the last drain. */
  dirty: boolean;
  /** Owned by the object resolver: some of its objects may be waiting to be re-resolved. */
  stale: boolean;
  objects: Set<string>;
  /** Sum of its objects' contributions (ObjectRecord.sumA/sumB). */
  objects_: HashSum;
  /** Sum of the hashes of the accounts approved for it by more-secure distribution. */
  accounts: HashSum;
}

interface Account {
  def: AccountDistribution;
  approved: Set<string>;
  hA: number;
  hB: number;
}

/** An account's distribution as resolution reads it; one per account id, updated in place as it changes. */
export interface AccountState {
  less: boolean;
  approved: ReadonlySet<string>;
}

const NOWHERE: ReadonlySet<string> = new Set();

export type DistributionIndex = ReturnType<typeof createDistributionIndex>;

const newRunner = (def: RunnerDef): Runner => ({
  def,
  live: true,
  dirty: false,
  stale: false,
  objects: new Set(),
  objects_: new HashSum(),
  accounts: new HashSum(),
});

function accountOf(def: AccountDistribution): Account {
  const x = hashString(`${def.id}:${def.version}`);
  return { def, approved: new Set(def.approved), hA: x, hB: fmix(x ^ 0x27d4eb2f) };
}

export function createDistributionIndex(input: {
  runners: readonly RunnerDef[];
  pools: readonly PoolDef[];
  accounts: readonly AccountDistribution[];
}) {
  const runners = new Map<string, Runner>();
  const pools = new Map<string, Set<string>>();
  const accounts = new Map<string, Account>();
  /** Accounts approved for each target (computer, server or pool) by more-secure distribution. */
  const approvedFor = new Map<string, Set<string>>();
  const lessSecure = new HashSum();
  /** Accounts distributed to every health service. */
  const lessSecureIds = new Set<string>();
  /** Objects whose runner the index does not hold (not yet, or no more), by that runner's id. */
  const waiting = new Map<string, Set<string>>();
  /** Runners whose tag may have changed since the last drain, each once (Runner.dirty). */
  const changed: Runner[] = [];
  const mark = (r: Runner) => {
    if (r.dirty) return;
    r.dirty = true;
    changed.push(r);
  };
  /** Handed out to resolution: kept for the engine's life, so a resolution holds its account's directly. */
  const states = new Map<string, AccountState>();

  function stateOf(accountId: string): AccountState {
    let s = states.get(accountId);
    if (!s) {
      const a = accounts.get(accountId);
      s = { less: false, approved: NOWHERE };
      if (a) update(s, a);
      states.set(accountId, s);
    }
    return s;
  }
  function update(s: AccountState, a: Account | undefined) {
    s.less = a?.def.security === 'less-secure';
    s.approved = a ? a.approved : NOWHERE;
  }

  function place(a: Account, add: boolean) {
    if (a.def.security === 'less-secure') {
      if (add) lessSecure.add(a.hA, a.hB);
      else lessSecure.remove(a.hA, a.hB);
      if (add) lessSecureIds.add(a.def.id);
      else lessSecureIds.delete(a.def.id);
      for (const r of runners.values()) mark(r);
      return;
    }
    for (const t of a.approved) {
      if (add) addTo(approvedFor, t, a.def.id);
      else approvedFor.get(t)?.delete(a.def.id);
      const r = runners.get(t);
      if (!r) continue;
      if (add) r.accounts.add(a.hA, a.hB);
      else r.accounts.remove(a.hA, a.hB);
      mark(r);
    }
  }

  for (const p of input.pools) pools.set(p.id, new Set(p.members));
  for (const r of input.runners) runners.set(r.id, newRunner(r));
  for (const def of input.accounts) {
    const acc = accountOf(def);
    accounts.set(def.id, acc);
    place(acc, true);
  }

  return {
    isDistributed(accountId: string, runnerId: string): boolean {
      const a = accounts.get(accountId);
      return Boolean(a && (a.def.security === 'less-secure' || a.approved.has(runnerId)));
    },

    /** Accounts a health service receives: less secure ones, approved ones, and (for servers) their pools'. */
    accountsFor(healthServiceId: string): { id: string; version: number }[] {
      const ids = new Set<string>(approvedFor.get(healthServiceId) ?? []);
      for (const [poolId, members] of pools)
        if (members.has(healthServiceId)) for (const a of approvedFor.get(poolId) ?? []) ids.add(a);
      for (const a of lessSecureIds) ids.add(a);
      return [...ids].sort().map((id) => ({ id, version: accounts.get(id)!.def.version }));
    },

    /** The account's distribution, kept current for the engine's life (an unknown account is nowhere). */
    accountState: stateOf,

    /**
     * Adds or replaces an account's distribution. Returns the runners on which what uses it must be
     * re-resolved, or undefined for every runner (a new account, or one that is or was less secure).
     */
    setAccount(def: AccountDistribution): ReadonlySet<string> | undefined {
      const old = accounts.get(def.id);
      if (old) place(old, false);
      const acc = accountOf(def);
      accounts.set(def.id, acc);
      place(acc, true);
      const state = states.get(def.id);
      if (state) update(state, acc);
      if (!old || old.def.security === 'less-secure' || def.security === 'less-secure') return undefined;
      const diff = new Set<string>();
      for (const t of old.approved) if (!acc.approved.has(t)) diff.add(t);
      for (const t of acc.approved) if (!old.approved.has(t)) diff.add(t);
      return diff;
    },

    /** Removes an account; false when there was none. */
    removeAccount(id: string): boolean {
      const old = accounts.get(id);
      if (!old) return false;
      place(old, false);
      accounts.delete(id);
      const state = states.get(id);
      if (state) update(state, undefined);
      return true;
    },

    // -------- runners

    hasRunner: (id: string): boolean => runners.has(id),
    runnerIds: (): string[] => [...runners.keys()],
    runnerDef: (id: string): RunnerDef | undefined => runners.get(id)?.def,
    runner: (id: string): Runner | undefined => runners.get(id),
    /** Reports the runner changed at the next drain. */
    report: mark,
    /** Ids of the objects a runner runs work for, in the order they arrived. */
    objectsOf: (runnerId: string): ReadonlySet<string> | undefined => runners.get(runnerId)?.objects,
    /** The runner's objects, or those waiting for a runner of that id while it has none. */
    objectsFiledUnder: (runnerId: string): ReadonlySet<string> | undefined =>
      runners.get(runnerId)?.objects ?? waiting.get(runnerId),

    /** Adds or replaces a runner; a new one takes up the objects and approved accounts already waiting for it. */
    setRunner(def: RunnerDef, objectOf: (id: string) => ObjectRecord | undefined): void {
      const r = runners.get(def.id);
      if (r) r.def = def;
      else {
        const runner = newRunner(def);
        // Objects that waited for it may be waiting to be re-resolved as well.
        runner.stale = true;
        runners.set(def.id, runner);
        for (const id of waiting.get(def.id) ?? []) {
          const o = objectOf(id);
          if (!o) continue;
          o.runnerRec = runner;
          runner.objects.add(id);
          runner.objects_.add(o.sumA, o.sumB);
        }
        waiting.delete(def.id);
        for (const aid of approvedFor.get(def.id) ?? []) {
          const a = accounts.get(aid);
          if (a) runner.accounts.add(a.hA, a.hB);
        }
      }
      mark(runners.get(def.id)!);
    },

    removeRunner(id: string): void {
      const r = runners.get(id);
      if (!r) return;
      r.live = false;
      runners.delete(id);
      // What it ran waits for a runner of that id again.
      if (r.objects.size > 0) waiting.set(id, r.objects);
    },

    setPoolMembers(pool: PoolDef): void {
      pools.set(pool.id, new Set(pool.members));
    },

    /** Files a new object and its contribution under its runner; `report` reports the runner changed. */
    addObject(obj: ObjectRecord, report: boolean): void {
      const runner = runners.get(obj.runner);
      obj.runnerRec = runner;
      if (!runner) {
        addTo(waiting, obj.runner, obj.def.id);
        return;
      }
      runner.objects.add(obj.def.id);
      if (obj.sumA === 0 && obj.sumB === 0) return;
      runner.objects_.add(obj.sumA, obj.sumB);
      if (report) mark(runner);
    },

    /** Takes an object and its contribution off its runner. */
    removeObject(obj: ObjectRecord): void {
      const runner = obj.runnerRec;
      if (!runner?.live) {
        const w = waiting.get(obj.runner);
        w?.delete(obj.def.id);
        if (w?.size === 0) waiting.delete(obj.runner);
        return;
      }
      runner.objects.delete(obj.def.id);
      runner.objects_.remove(obj.sumA, obj.sumB);
      mark(runner);
    },

    /**
     * Replaces an object's contribution to its runner's tag with (a, b); `report: false` when the runner
     * was reported already for the change being applied late.
     */
    contribute(obj: ObjectRecord, a: number, b: number, report = true): void {
      const runner = obj.runnerRec;
      if (!runner?.live) return;
      runner.objects_.remove(obj.sumA, obj.sumB);
      runner.objects_.add(a, b);
      if (report) mark(runner);
    },

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

    /** Runners whose tag changed since the last call. */
    drainChanged(): string[] {
      const out = new Array<string>(changed.length);
      let replaced = false;
      for (let i = 0; i < changed.length; i++) {
        const r = changed[i]!;
        r.dirty = false;
        replaced ||= !r.live;
        out[i] = r.def.id;
      }
      changed.length = 0;
      // A runner removed and set again since the last drain is in the list twice: once is enough.
      return replaced ? [...new Set(out)] : out;
    },
  };
}
