// The resolution engine: in-memory indexes over the inventory, profiles and distribution that answer,
// for every (workflow, object), which account runs it — and keep each runner's configuration and
// version tag up to date incrementally as single things change. This file wires the indexes together;
// each lives in its own module (class-, object-, group-, profile- and distribution-index, object-resolver).
import { createClassIndex } from './class-index.js';
import { createDistributionIndex } from './distribution-index.js';
import { createGroupIndex } from './group-index.js';
import type {
  AccountDistribution,
  Association,
  GroupDef,
  ObjectDef,
  PoolDef,
  Resolution,
  ResolutionInput,
  RunnerDef,
} from './model.js';
import { createObjectIndex, EMPTY, type ObjectRecord } from './object-index.js';
import { createObjectResolver, DEFAULT } from './object-resolver.js';
import { createProfileIndex } from './profile-index.js';

export type { Candidate } from './profile-index.js';

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

export type ResolutionEngine = ReturnType<typeof createResolutionEngine>;

export function createResolutionEngine(input: ResolutionInput) {
  const classes = createClassIndex(input.classes, input.workflows);
  const distribution = createDistributionIndex(input);
  const profiles = createProfileIndex(input.associations);
  const objects = createObjectIndex(classes);

  // Every object first, hosts before what they host: an object whose host has not come yet waits for it (and
  // one whose host never comes is left out). Then, in that order, each is grouped and resolved.
  const order: ObjectRecord[] = [];
  const hosts: (ObjectRecord | undefined)[] = [];
  const waiting = new Map<string, ObjectDef[]>();
  for (const o of input.objects) {
    const host = o.hostId === null ? undefined : objects.get(o.hostId);
    if (o.hostId !== null && !host) {
      const list = waiting.get(o.hostId);
      if (list) list.push(o);
      else waiting.set(o.hostId, [o]);
      continue;
    }
    order.push(objects.insert(o, host));
    hosts.push(host);
    if (waiting.size === 0) continue;
    for (let i = order.length - 1; i < order.length; i++) {
      const ready = order[i]!;
      const next = waiting.get(ready.def.id);
      if (!next) continue;
      waiting.delete(ready.def.id);
      for (const c of next) {
        order.push(objects.insert(c, ready));
        hosts.push(ready);
      }
    }
  }
  const groups = createGroupIndex(classes, objects, input.groups);
  for (const [obj, listed] of groups.listed()) obj.direct = listed;
  const resolver = createObjectResolver({ classes, objects, groups, profiles, distribution });
  for (let i = 0; i < order.length; i++) resolver.build(order[i]!, hosts[i], order[i]!.direct);
  distribution.drainChanged();

  function requireObject(id: string) {
    const o = objects.get(id);
    if (!o) throw new Error(`unknown object ${id}`);
    return o;
  }

  function removeSubtree(id: string) {
    const obj = objects.get(id);
    if (!obj) return;
    for (const c of [...(obj.children ?? [])]) removeSubtree(c.def.id);
    distribution.removeObject(obj);
    groups.unplace(obj);
    objects.delete(obj);
  }

  /** The objects an object- or group-scoped association reaches (class and all scopes are re-picked per class). */
  function reachOwn(a: Association): ObjectRecord[] {
    switch (a.scope.kind) {
      case 'object': {
        const o = objects.get(a.scope.objectId);
        return o ? [o] : [];
      }
      case 'group':
        return groups.memberRecords(a.scope.groupId);
      default:
        return [];
    }
  }

  function resolveProfile(profileId: string, objectId: string): Resolution {
    return resolver.resolve(profileId, requireObject(objectId));
  }

  function tagOf(runnerId: string): string | undefined {
    resolver.settleRunner(distribution.runner(runnerId));
    return distribution.tagOf(runnerId);
  }

  function accountsFor(healthServiceId: string): { id: string; version: number }[] {
    return distribution.accountsFor(healthServiceId);
  }

  function upsertObject(def: ObjectDef) {
    const old = objects.get(def.id);
    if (!old) {
      resolver.insert(objects.insert(def));
      return;
    }
    if (old.def.hostId !== def.hostId || old.def.classId !== def.classId) {
      const hosted = objects.hostedDefs(def.id);
      removeSubtree(def.id);
      upsertObject(def);
      for (const c of hosted) upsertObject(c);
      return;
    }
    old.def = def;
    if (groups.replace(old)) resolver.recontain([def.id]);
  }

  return {
    // -------- queries
    resolveProfile,
    resolveWorkflow(workflowId: string, objectId: string): Resolution {
      const w = classes.workflow(workflowId);
      if (!w) throw new Error(`unknown workflow ${workflowId}`);
      return w.profileId === null ? DEFAULT : resolveProfile(w.profileId, objectId);
    },
    /** Whether a group contains the object: directly, through nested groups, or through its host (R19). */
    inGroup(objectId: string, groupId: string): boolean {
      return objects.get(objectId)?.containing.has(groupId) ?? false;
    },
    /** Whether a class is the other or derives from it. */
    isA: classes.isA,
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
    candidates(profileId: string, objectId: string) {
      const obj = requireObject(objectId);
      return profiles.candidates(profileId, {
        id: objectId,
        containing: obj.containing,
        ancestors: classes.ancestors(obj.def.classId),
      });
    },
    isDistributed: distribution.isDistributed,
    runnerOfObject: (objectId: string) => requireObject(objectId).runner,
    hostChain: objects.hostChain,
    groupsContaining: (objectId: string) => [...requireObject(objectId).containing],
    directGroups: (objectId: string) => [...requireObject(objectId).direct],
    classAncestors: (classId: string) => [...classes.ancestors(classId)],
    workflowsFor: (objectId: string) => [
      ...(classes.get(requireObject(objectId).def.classId)?.workflows ?? []),
    ],
    hasObject: objects.has,
    hasRunner: distribution.hasRunner,
    hasWorkflow: classes.hasWorkflow,
    objectsOfRunner: (runnerId: string) => [...(distribution.objectsOf(runnerId) ?? [])],
    objectsUsingAccount: (accountId: string) =>
      [...objects.values()]
        .filter((o) => {
          resolver.settle(o);
          return o.res.some((r) => r.e?.a.accountId === accountId);
        })
        .map((o) => o.def.id),
    groupMembers: groups.members,
    runnerIds: distribution.runnerIds,
    objectCount: objects.size,

    /** The runner's version tag: changes exactly when its entries, accounts or default action account change. */
    tagOf,

    configOf(runnerId: string): RunnerConfig | undefined {
      const def = distribution.runnerDef(runnerId);
      if (!def) return undefined;
      resolver.settleRunner(distribution.runner(runnerId));
      const entries: ConfigEntry[] = [];
      for (const oid of distribution.objectsOf(runnerId)!) {
        const obj = objects.get(oid)!;
        const cls = obj.cls;
        if (!cls) continue;
        for (let k = 0; k < cls.workflows.length; k++) {
          const w = cls.workflows[k]!;
          if (w.runs !== false)
            entries.push({ workflowId: w.id, objectId: oid, resolution: resolver.entry(obj, cls, k) });
        }
      }
      return {
        runnerId,
        tag: tagOf(runnerId)!,
        defaultActionAccountId: def.defaultActionAccountId,
        entries,
        accounts: accountsFor(runnerId),
      };
    },

    /** Accounts a health service receives: less secure ones, approved ones, and (for servers) their pools'. */
    accountsFor,

    /** Runners whose tag changed since the last call. */
    drainChanged: distribution.drainChanged,

    // -------- changes
    setAssociation(a: Association) {
      const old = profiles.entry(a.id);
      const before = resolver.picksBefore([old?.a, a]);
      profiles.set(a);
      resolver.repick(before);
      // Object and group scopes: where the old one won, re-resolved; where the new one beats the winner, it wins.
      if (old) resolver.dropEntry(reachOwn(old.a), old);
      resolver.addEntry(reachOwn(a), profiles.entry(a.id)!);
    },

    removeAssociation(id: string) {
      const old = profiles.entry(id);
      if (!old) return;
      const before = resolver.picksBefore([old.a]);
      profiles.remove(id);
      resolver.repick(before);
      resolver.dropEntry(reachOwn(old.a), old);
    },

    // Only objects that resolve through an association naming the account can see it change.
    setAccount(def: AccountDistribution) {
      const runners = distribution.setAccount(def);
      if (profiles.namesAccount(def.id)) resolver.refreshAccountUsers(def.id, runners);
    },

    removeAccount(id: string) {
      if (distribution.removeAccount(id) && profiles.namesAccount(id)) resolver.refreshAccountUsers(id);
    },

    upsertObject,

    removeObject(id: string) {
      removeSubtree(id);
    },

    setGroup(def: GroupDef) {
      resolver.recontainAll(groups.set(def));
    },

    removeGroup(id: string) {
      resolver.recontainAll(groups.remove(id));
    },

    setRunner(def: RunnerDef) {
      distribution.setRunner(def, objects.get);
    },

    removeRunner: distribution.removeRunner,

    setPoolMembers(pool: PoolDef) {
      distribution.setPoolMembers(pool);
    },
  };
}
