// The Run As profiles of the resolution engine: each profile's associations filed by scope, and the choice of
// the winning association for an object (enforced, then object > group > class > all, then the oldest).
import { type Association, compareKeys, scopeRank, winnerKey } from './model.js';
import type { Interned } from './object-resolver.js';

/** One filed association; a replaced association gets a new entry. */
export interface Entry {
  a: Association;
  /** Enforced and scope rank packed into one number (larger wins); class scope adds its depth per class. */
  score: number;
  /** What the object resolver keeps about the association, made on first use. */
  interned: Interned | undefined;
}

/** The best class- or all-scoped entry of a profile for one class of objects, with its score there. */
export interface Pick {
  e: Entry;
  score: number;
}

interface Profile {
  count: number;
  byObject: Map<string, Entry[]>;
  byGroup: Map<string, Entry[]>;
  byClass: Map<string, Entry[]>;
  all: Entry[];
  /** Pick per object class (null: none); emptied when a class- or all-scoped association of the profile changes. */
  classPicks: Map<string, Pick | null>;
}

/** One matching association, with what made it match: the explain output and conflict findings use it. */
export interface Candidate {
  association: Association;
  key: number[];
  /** For group scope: the contained host the match came through, when not the object itself. */
  via?: string;
}

/** What a profile's associations are matched against: the object, the groups containing it, its class chain. */
export interface Subject {
  id: string;
  containing: ReadonlySet<string>;
  /** The object's class and its bases, nearest first. */
  ancestors: readonly string[];
}

export type ProfileIndex = ReturnType<typeof createProfileIndex>;

/** Enforced and scope rank, packed (larger wins); class depth is added per class, older wins ties. */
const scoreOf = (a: Association) => ((a.enforced ? 8 : 0) + scopeRank[a.scope.kind]) * 1024;

/** Whether an entry scoring `score` beats the current best (`bestScore`, -1 for none). */
export const beats = (e: Entry, score: number, best: Entry | undefined, bestScore: number) =>
  score > bestScore || (score === bestScore && e.a.order < best!.a.order);

const isStatic = (a: Association) => a.scope.kind === 'class' || a.scope.kind === 'all';

export function createProfileIndex(initial: readonly Association[]) {
  const profiles = new Map<string, Profile>();
  const entries = new Map<string, Entry>();
  /** Object- and group-scoped entries of every profile, by object and by group. */
  const byObject = new Map<string, Entry[]>();
  const byGroup = new Map<string, Entry[]>();
  let groupScopedCount = 0;
  /** How many associations name each account: an account no association names is used by no object. */
  const byAccount = new Map<string, number>();
  /** Bumped whenever a class- or all-scoped association changes, so picks cached elsewhere can be dropped. */
  let picksVersion = 0;

  function profileOf(profileId: string): Profile {
    let idx = profiles.get(profileId);
    if (!idx) {
      idx = {
        count: 0,
        byObject: new Map(),
        byGroup: new Map(),
        byClass: new Map(),
        all: [],
        classPicks: new Map(),
      };
      profiles.set(profileId, idx);
    }
    return idx;
  }

  const edit = (m: Map<string, Entry[]>, k: string, e: Entry, add: boolean) => {
    const list = m.get(k) ?? [];
    const next = add ? [...list, e] : list.filter((x) => x !== e);
    if (next.length) m.set(k, next);
    else m.delete(k);
  };

  function file(e: Entry, add: boolean) {
    const a = e.a;
    const idx = profileOf(a.profileId);
    switch (a.scope.kind) {
      case 'object':
        edit(idx.byObject, a.scope.objectId, e, add);
        edit(byObject, a.scope.objectId, e, add);
        break;
      case 'group':
        edit(idx.byGroup, a.scope.groupId, e, add);
        edit(byGroup, a.scope.groupId, e, add);
        groupScopedCount += add ? 1 : -1;
        break;
      case 'class':
        edit(idx.byClass, a.scope.classId, e, add);
        break;
      case 'all':
        idx.all = add ? [...idx.all, e] : idx.all.filter((x) => x !== e);
        break;
    }
    if (isStatic(a)) {
      idx.classPicks.clear();
      picksVersion++;
    }
    idx.count += add ? 1 : -1;
    const uses = (byAccount.get(a.accountId) ?? 0) + (add ? 1 : -1);
    if (uses > 0) byAccount.set(a.accountId, uses);
    else byAccount.delete(a.accountId);
  }

  const entryOf = (a: Association): Entry => ({ a, score: scoreOf(a), interned: undefined });

  for (const a of initial) {
    const e = entryOf(a);
    entries.set(a.id, e);
    file(e, true);
  }

  // The running best of one pick: kept outside the functions so the hot path allocates nothing.
  let best: Entry | undefined;
  let bestScore = -1;
  function consider(list: readonly Entry[] | undefined, depth: number) {
    if (!list) return;
    for (let k = 0; k < list.length; k++) {
      const e = list[k]!;
      const sc = e.score + depth;
      if (beats(e, sc, best, bestScore)) {
        best = e;
        bestScore = sc;
      }
    }
  }

  /** The best class- or all-scoped entry of a profile for objects of a class (by its ancestry). */
  function classPick(idx: Profile, ancestors: readonly string[]): Pick | null {
    const key = ancestors[0] ?? '';
    const cached = idx.classPicks.get(key);
    if (cached !== undefined) return cached;
    best = undefined;
    bestScore = -1;
    if (idx.byClass.size > 0) {
      for (let i = 0; i < ancestors.length; i++)
        consider(idx.byClass.get(ancestors[i]!), ancestors.length - i);
    }
    consider(idx.all, 0);
    const pick = best ? { e: best, score: bestScore } : null;
    idx.classPicks.set(key, pick);
    return pick;
  }

  return {
    /** Adds or replaces an association; returns the one it replaced. */
    set(a: Association): Association | undefined {
      const old = entries.get(a.id);
      if (old) file(old, false);
      const e = entryOf(a);
      entries.set(a.id, e);
      file(e, true);
      return old?.a;
    },

    /** Removes an association; returns it, or undefined when there was none. */
    remove(id: string): Association | undefined {
      const old = entries.get(id);
      if (!old) return undefined;
      file(old, false);
      entries.delete(id);
      return old.a;
    },

    /** Whether any association names the account. */
    namesAccount: (accountId: string): boolean => byAccount.has(accountId),

    /** The entry filed for an association id. */
    entry: (id: string): Entry | undefined => entries.get(id),

    /** Profiles with at least one group-scoped association: group changes can change what they resolve to. */
    groupScoped(): string[] {
      return [...profiles.entries()].filter(([, idx]) => idx.byGroup.size > 0).map(([id]) => id);
    },

    /** Object-scoped entries of every profile for one object. */
    objectEntries: (objectId: string): readonly Entry[] | undefined =>
      byObject.size > 0 ? byObject.get(objectId) : undefined,
    /** Group-scoped entries of every profile for one group. */
    groupEntries: (groupId: string): readonly Entry[] | undefined => byGroup.get(groupId),
    hasGroupScoped: (): boolean => groupScopedCount > 0,
    /** Changes whenever a class- or all-scoped association changes. */
    picksVersion: (): number => picksVersion,

    /** The best class- or all-scoped entry of a profile for objects of a class, or null when none matches. */
    classPick(profileId: string, ancestors: readonly string[]): Pick | null {
      const idx = profiles.get(profileId);
      return idx && idx.count > 0 ? classPick(idx, ancestors) : null;
    },

    /** The winning entry of a profile for an object, or undefined when none matches. */
    best(
      profileId: string,
      objectId: string,
      containing: ReadonlySet<string>,
      ancestors: readonly string[],
    ): Entry | undefined {
      const idx = profiles.get(profileId);
      if (!idx || idx.count === 0) return undefined;
      const pick = classPick(idx, ancestors);
      best = pick?.e;
      bestScore = pick ? pick.score : -1;
      if (idx.byObject.size > 0) consider(idx.byObject.get(objectId), 0);
      if (idx.byGroup.size > 0) for (const g of containing) consider(idx.byGroup.get(g), 0);
      return best;
    },

    /** Every matching association of a profile for an object, best first. */
    candidates(profileId: string, s: Subject): Candidate[] {
      const idx = profiles.get(profileId);
      if (!idx) return [];
      const out: Candidate[] = [];
      const add = (e: Entry, depth: number) => out.push({ association: e.a, key: winnerKey(e.a, depth) });
      for (const e of idx.byObject.get(s.id) ?? []) add(e, 0);
      for (const g of s.containing) for (const e of idx.byGroup.get(g) ?? []) add(e, 0);
      const anc = s.ancestors;
      anc.forEach((c, i) => {
        for (const e of idx.byClass.get(c) ?? []) add(e, anc.length - i);
      });
      for (const e of idx.all) add(e, 0);
      return out.sort((x, y) => compareKeys(y.key, x.key));
    },
  };
}
