// Group membership: explicit members, dynamic rules, nested groups, and containment through hosting (R19).
import type { ClassTree } from './class-tree.js';
import { type Condition, type ConditionSubject, matchesAll } from './conditions.js';
import { type HostedNode, indexHosted } from './hosting.js';

export interface MemberObject extends HostedNode, ConditionSubject {
  classId: string;
}

export interface GroupRule {
  classId: string;
  conditions: readonly Condition[];
}

export interface GroupDefinition {
  id: string;
  members: readonly string[];
  rules: readonly GroupRule[];
  subgroups: readonly string[];
}

export type Containment = 'explicit' | 'rule' | 'subgroup' | 'hosted-by';

export interface Membership {
  via: Containment;
  /** subgroup: the nested group of this group it came through; hosted-by: the nearest contained host. */
  through: string | null;
}

export interface MembershipIndex {
  /** Members of a group, each with the strongest reason it is contained; empty for an unknown group. */
  membersOf(groupId: string): Map<string, Membership>;
  /** Ids of the groups that contain the object, directly or by any containment. */
  groupsContaining(objectId: string): string[];
}

/**
 * Builds the in-memory index. Subgroup edges may form cycles (the service refuses them, but the
 * computation must not loop): a group's members are the direct members of every group reachable
 * from it, plus everything hosted on any of those, directly or through a chain.
 */
export function createMembershipIndex(input: {
  tree: ClassTree;
  objects: Iterable<MemberObject>;
  groups: Iterable<GroupDefinition>;
}): MembershipIndex {
  const { tree } = input;
  const objects = new Map<string, MemberObject>();
  const byClass = new Map<string, MemberObject[]>();
  for (const o of input.objects) {
    objects.set(o.id, o);
    const list = byClass.get(o.classId);
    if (list) list.push(o);
    else byClass.set(o.classId, [o]);
  }
  const groups = new Map<string, GroupDefinition>();
  for (const g of input.groups) groups.set(g.id, g);
  const children = indexHosted(objects.values());

  const directCache = new Map<string, Map<string, Containment>>();
  const direct = (g: GroupDefinition): Map<string, Containment> => {
    let out = directCache.get(g.id);
    if (out) return out;
    out = new Map();
    for (const id of g.members) if (objects.has(id)) out.set(id, 'explicit');
    for (const rule of g.rules) {
      for (const cls of tree.descendants(rule.classId)) {
        for (const o of byClass.get(cls) ?? []) {
          if (!out.has(o.id) && matchesAll(o, rule.conditions)) out.set(o.id, 'rule');
        }
      }
    }
    directCache.set(g.id, out);
    return out;
  };

  const cache = new Map<string, Map<string, Membership>>();
  const membersOf = (groupId: string): Map<string, Membership> => {
    const cached = cache.get(groupId);
    if (cached) return cached;
    const result = new Map<string, Membership>();
    const root = groups.get(groupId);
    if (!root) return result;
    for (const [id, via] of direct(root)) result.set(id, { via, through: null });

    // Breadth first over nested groups, remembering which subgroup of the root each came under.
    const seen = new Set<string>([groupId]);
    const queue: { id: string; under: string }[] = [];
    for (const s of root.subgroups) {
      if (!seen.has(s)) {
        seen.add(s);
        queue.push({ id: s, under: s });
      }
    }
    for (let i = 0; i < queue.length; i++) {
      const { id, under } = queue[i]!;
      const g = groups.get(id);
      if (!g) continue;
      for (const objectId of direct(g).keys()) {
        if (!result.has(objectId)) result.set(objectId, { via: 'subgroup', through: under });
      }
      for (const s of g.subgroups) {
        if (seen.has(s)) continue;
        seen.add(s);
        queue.push({ id: s, under });
      }
    }

    // Containment is transitive through hosting: everything below a contained object is contained.
    const contained = new Set(result.keys());
    const walk = [...contained];
    for (let i = 0; i < walk.length; i++) {
      for (const child of children.get(walk[i]!) ?? []) {
        if (result.has(child)) continue;
        result.set(child, { via: 'hosted-by', through: nearestContainedHost(child, contained) });
        walk.push(child);
      }
    }
    cache.set(groupId, result);
    return result;
  };

  const nearestContainedHost = (id: string, contained: ReadonlySet<string>): string | null => {
    const seen = new Set<string>([id]);
    let host = objects.get(id)?.hostId ?? null;
    while (host !== null && !seen.has(host)) {
      if (contained.has(host)) return host;
      seen.add(host);
      host = objects.get(host)?.hostId ?? null;
    }
    return null;
  };

  return {
    membersOf,
    groupsContaining: (objectId) => [...groups.keys()].filter((g) => membersOf(g).has(objectId)),
  };
}

/**
 * Would giving `groupId` these subgroups make a cycle? Returns the cycle as a list of group ids
 * (starting and ending with `groupId`), or undefined. `subgroupsOf` gives the current edges.
 */
export function findSubgroupCycle(
  groupId: string,
  newSubgroups: readonly string[],
  subgroupsOf: (id: string) => readonly string[],
): string[] | undefined {
  const edges = (id: string) => (id === groupId ? newSubgroups : subgroupsOf(id));
  const done = new Set<string>();
  const path: string[] = [groupId];
  const visit = (id: string): boolean => {
    for (const next of edges(id)) {
      if (next === groupId) {
        path.push(next);
        return true;
      }
      if (done.has(next)) continue;
      done.add(next);
      path.push(next);
      if (visit(next)) return true;
      path.pop();
    }
    return false;
  };
  return visit(groupId) ? path : undefined;
}
