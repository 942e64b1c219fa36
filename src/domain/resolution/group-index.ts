// The groups of the resolution engine: nesting, explicit members, membership rules by class, and which groups
// hold each object directly or contain it (through nesting and through its hosts, R19).
import { type Condition, matchesAll } from '../inventory/conditions.js';
import type { GroupRule } from '../inventory/membership.js';
import type { ClassIndex } from './class-index.js';
import type { GroupDef, ObjectDef } from './model.js';
import { EMPTY, type ObjectIndex, type ObjectRecord } from './object-index.js';
import { addTo } from './sets.js';

/** Shared by every object in no group directly; replaced, never mutated. */
const NO_GROUPS: string[] = [];

interface Group {
  def: GroupDef;
  parents: Set<string>;
}

export type GroupIndex = ReturnType<typeof createGroupIndex>;

const ruleMatches = (o: ObjectDef, conditions: readonly Condition[]) => matchesAll(o, conditions);

export const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
};

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Groups over the object index. An object's `direct` and `containing` fields belong to this index; after a
 * change it reports the objects whose containing set must be recomputed, and the caller recomputes them
 * with `containingOf`, hosts first.
 */
export function createGroupIndex(classes: ClassIndex, objects: ObjectIndex, defs: readonly GroupDef[]) {
  const groups = new Map<string, Group>();
  const directMembers = new Map<string, Set<string>>();
  /** Groups that list each object as an explicit member. */
  const explicitGroups = new Map<string, Set<string>>();
  const rulesByClass = new Map<string, { groupId: string; rule: GroupRule }[]>();
  const closureCache = new Map<string, ReadonlySet<string>>();
  /** Rules over each class's chain of bases, nearest first; emptied whenever a rule changes. */
  const rulesCache = new Map<string, { groupId: string; rule: GroupRule }[]>();

  const addRules = (def: GroupDef) => {
    rulesCache.clear();
    for (const rule of def.rules) {
      const list = rulesByClass.get(rule.classId) ?? [];
      list.push({ groupId: def.id, rule });
      rulesByClass.set(rule.classId, list);
    }
  };
  const dropRules = (groupId: string) => {
    rulesCache.clear();
    for (const [cls, list] of rulesByClass) {
      const kept = list.filter((r) => r.groupId !== groupId);
      if (kept.length) rulesByClass.set(cls, kept);
      else rulesByClass.delete(cls);
    }
  };

  for (const g of defs) {
    groups.set(g.id, { def: g, parents: new Set() });
    for (const m of g.members) addTo(explicitGroups, m, g.id);
    addRules(g);
  }
  for (const g of defs) for (const s of g.subgroups) groups.get(s)?.parents.add(g.id);

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

  function rulesOf(classId: string) {
    let list = rulesCache.get(classId);
    if (!list) {
      list = [];
      for (const cls of classes.ancestors(classId)) list.push(...(rulesByClass.get(cls) ?? []));
      rulesCache.set(classId, list);
    }
    return list;
  }

  /**
   * Groups holding the object directly: those listing it, then those whose rules match it. `explicit` is
   * what explicitGroups holds for it, when the caller knows it already.
   */
  function directOf(
    o: ObjectDef,
    explicit: readonly string[] | ReadonlySet<string> | undefined = explicitGroups.get(o.id),
  ): string[] {
    const rules = rulesOf(o.classId);
    const none = explicit === undefined || ('size' in explicit ? explicit.size : explicit.length) === 0;
    if (none && rules.length === 0) return NO_GROUPS;
    const out: string[] = none ? [] : [...explicit!];
    for (let i = 0; i < rules.length; i++) {
      const { groupId, rule } = rules[i]!;
      if (!out.includes(groupId) && ruleMatches(o, rule.conditions)) out.push(groupId);
    }
    return out.length ? out : NO_GROUPS;
  }

  /** Every object a group contains: direct members of it and its nested groups, and all they host. */
  function memberRecords(groupId: string): ObjectRecord[] {
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
    const seen = new Set<ObjectRecord>();
    const out: ObjectRecord[] = [];
    const visit = (o: ObjectRecord | undefined) => {
      if (o && !seen.has(o)) {
        seen.add(o);
        out.push(o);
      }
    };
    for (const g of gs) for (const id of directMembers.get(g) ?? []) visit(objects.get(id));
    for (let i = 0; i < out.length; i++) for (const c of out[i]!.children ?? []) visit(c);
    return out;
  }

  const members = (groupId: string): string[] => memberRecords(groupId).map((o) => o.def.id);

  return {
    members,
    memberRecords,
    /**
     * The object's containing set as it should be now, given its host's; the host's own set when equal.
     * `host` is the host's record when the caller has looked it up already.
     */
    containingOf(
      obj: ObjectRecord,
      host = obj.def.hostId ? objects.get(obj.def.hostId) : undefined,
    ): ReadonlySet<string> {
      const hostSet = host ? host.containing : EMPTY;
      if (obj.direct.length === 0) return hostSet;
      const out = new Set(hostSet);
      for (const g of obj.direct) for (const c of closure(g)) out.add(c);
      return out.size === hostSet.size ? hostSet : out;
    },

    /**
     * Files a newly inserted object under the groups holding it directly (its host must be placed already).
     * With `listed`, the object is listed by exactly those groups (explicitGroups is not read).
     */
    place(obj: ObjectRecord, listed?: readonly string[]): void {
      obj.direct = listed === undefined ? directOf(obj.def) : directOf(obj.def, listed);
      for (const g of obj.direct) addTo(directMembers, g, obj.def.id);
    },

    /** For each object some group lists (and the object index holds), those groups in definition order. */
    listed(): Map<ObjectRecord, string[]> {
      const out = new Map<ObjectRecord, string[]>();
      for (const [id, gs] of explicitGroups) {
        const obj = objects.get(id);
        if (obj && gs.size > 0) out.set(obj, [...gs]);
      }
      return out;
    },

    /** Takes an object out of the groups holding it directly. */
    unplace(obj: ObjectRecord): void {
      for (const g of obj.direct) directMembers.get(g)?.delete(obj.def.id);
    },

    /** Re-evaluates an object's direct groups after its properties changed; true when they changed. */
    replace(obj: ObjectRecord): boolean {
      const next = directOf(obj.def);
      const same = next.length === obj.direct.length && next.every((g) => obj.direct.includes(g));
      if (same) return false;
      for (const g of obj.direct) directMembers.get(g)?.delete(obj.def.id);
      for (const g of next) addTo(directMembers, g, obj.def.id);
      obj.direct = next;
      return true;
    },

    /**
     * Adds or replaces a group; returns the objects to recompute containment for: those that joined or left it
     * directly, and — when its nesting changed — every object it contained before or contains now.
     */
    set(def: GroupDef): Set<string> {
      const old = groups.get(def.id);
      // With the same nesting, only objects that join or leave it directly (and what they host) can see a
      // different set of containing groups; a change of nesting reaches every member, before and after.
      const nesting = old ? !sameList(old.def.subgroups, def.subgroups) : def.subgroups.length > 0;
      const affected = new Set<string>(old && nesting ? members(def.id) : []);
      // Nesting changes the closure of every group below this one.
      if (old) for (const s of old.def.subgroups) groups.get(s)?.parents.delete(def.id);
      for (const m of old?.def.members ?? []) explicitGroups.get(m)?.delete(def.id);
      for (const m of def.members) addTo(explicitGroups, m, def.id);
      groups.set(def.id, { def, parents: old?.parents ?? new Set() });
      for (const g of groups.values())
        if (g.def.subgroups.includes(def.id)) groups.get(def.id)!.parents.add(g.def.id);
      for (const s of def.subgroups) groups.get(s)?.parents.add(def.id);
      closureCache.clear();
      dropRules(def.id);
      addRules(def);
      // Direct membership of this group: explicit members plus rule matches over the rule classes.
      const nextDirect = new Set<string>(def.members.filter((m) => objects.has(m)));
      for (const rule of def.rules) {
        for (const c of classes.descendants(rule.classId)) {
          for (const o of objects.ofClass(c))
            if (ruleMatches(o.def, rule.conditions)) nextDirect.add(o.def.id);
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
      if (nesting) for (const o of members(def.id)) affected.add(o);
      for (const o of roots) affected.add(o);
      return affected;
    },

    /** Removes a group; returns the objects it contained, to recompute containment for. */
    remove(id: string): Set<string> {
      const group = groups.get(id);
      if (!group) return new Set();
      const affected = new Set(members(id));
      for (const s of group.def.subgroups) groups.get(s)?.parents.delete(id);
      for (const m of group.def.members) explicitGroups.get(m)?.delete(id);
      for (const g of groups.values()) g.parents.delete(id);
      groups.delete(id);
      closureCache.clear();
      for (const o of directMembers.get(id) ?? []) {
        const obj = objects.get(o);
        if (obj) obj.direct = obj.direct.filter((g) => g !== id);
      }
      directMembers.delete(id);
      dropRules(id);
      return affected;
    },
  };
}
