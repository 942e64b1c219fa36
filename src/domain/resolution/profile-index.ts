// The Run As profiles of the resolution engine: each profile's associations filed by scope, and the choice of
// the winning association for an object (enforced, then object > group > class > all, then the oldest).
import { type Association, compareKeys, scopeRank, winnerKey } from './model.js';

interface Profile {
  count: number;
  byObject: Map<string, Association[]>;
  byGroup: Map<string, Association[]>;
  byClass: Map<string, Association[]>;
  all: Association[];
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

/** Enforced, then scope rank, then class depth, packed into one number (larger wins); older wins ties. */
const scoreOf = (a: Association, depth: number) =>
  ((a.enforced ? 8 : 0) + scopeRank[a.scope.kind]) * 1024 + depth;

export function createProfileIndex(initial: readonly Association[]) {
  const profiles = new Map<string, Profile>();
  const associations = new Map<string, Association>();

  function profileOf(profileId: string): Profile {
    let idx = profiles.get(profileId);
    if (!idx) {
      idx = { count: 0, byObject: new Map(), byGroup: new Map(), byClass: new Map(), all: [] };
      profiles.set(profileId, idx);
    }
    return idx;
  }

  function file(a: Association, add: boolean) {
    const idx = profileOf(a.profileId);
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

  for (const a of initial) {
    associations.set(a.id, a);
    file(a, true);
  }

  // The running best of one best() call: kept outside it so the hot path allocates nothing.
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

  return {
    /** Adds or replaces an association; returns the one it replaced. */
    set(a: Association): Association | undefined {
      const old = associations.get(a.id);
      if (old) file(old, false);
      associations.set(a.id, a);
      file(a, true);
      return old;
    },

    /** Removes an association; returns it, or undefined when there was none. */
    remove(id: string): Association | undefined {
      const old = associations.get(id);
      if (!old) return undefined;
      file(old, false);
      associations.delete(id);
      return old;
    },

    /** Profiles with at least one group-scoped association: group changes can change what they resolve to. */
    groupScoped(): string[] {
      return [...profiles.entries()].filter(([, idx]) => idx.byGroup.size > 0).map(([id]) => id);
    },

    /** The winning association of a profile for an object, or undefined when none matches. */
    best(
      profileId: string,
      objectId: string,
      containing: ReadonlySet<string>,
      ancestors: readonly string[],
    ): Association | undefined {
      const idx = profiles.get(profileId);
      if (!idx || idx.count === 0) return undefined;
      best = undefined;
      bestScore = -1;
      pick(idx.byObject.get(objectId), 0);
      if (idx.byGroup.size > 0) for (const g of containing) pick(idx.byGroup.get(g), 0);
      if (idx.byClass.size > 0) {
        for (let i = 0; i < ancestors.length; i++) pick(idx.byClass.get(ancestors[i]!), ancestors.length - i);
      }
      pick(idx.all, 0);
      return best;
    },

    /** Every matching association of a profile for an object, best first. */
    candidates(profileId: string, s: Subject): Candidate[] {
      const idx = profiles.get(profileId);
      if (!idx) return [];
      const out: Candidate[] = [];
      for (const a of idx.byObject.get(s.id) ?? []) out.push({ association: a, key: winnerKey(a, 0) });
      for (const g of s.containing)
        for (const a of idx.byGroup.get(g) ?? []) out.push({ association: a, key: winnerKey(a, 0) });
      const anc = s.ancestors;
      anc.forEach((c, i) => {
        for (const a of idx.byClass.get(c) ?? [])
          out.push({ association: a, key: winnerKey(a, anc.length - i) });
      });
      for (const a of idx.all) out.push({ association: a, key: winnerKey(a, 0) });
      return out.sort((x, y) => compareKeys(y.key, x.key));
    },
  };
}
