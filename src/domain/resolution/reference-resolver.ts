// A slow, literal reading of DESIGN.md's resolution rule, used only to check the fast engine in tests.
import { createClassTree } from '../inventory/class-tree.js';
import { createMembershipIndex } from '../inventory/membership.js';
import { type Association, compareKeys, type Resolution, type ResolutionInput, winnerKey } from './model.js';

export function createReferenceResolver(input: ResolutionInput) {
  const tree = createClassTree(
    input.classes.map((c) => ({ ...c, abstract: false, keyProperties: [], properties: [] })),
  );
  const objects = new Map(input.objects.map((o) => [o.id, o]));
  const membership = createMembershipIndex({ tree, objects: input.objects, groups: input.groups });
  const accounts = new Map(input.accounts.map((a) => [a.id, a]));
  const pools = new Map(input.pools.map((p) => [p.id, p]));
  const workflows = new Map(input.workflows.map((w) => [w.id, w]));

  const runnerOf = (objectId: string): string => {
    let cur = objects.get(objectId)!;
    while (cur.hostId !== null) cur = objects.get(cur.hostId)!;
    return cur.id;
  };

  const distributedTo = (accountId: string, runnerId: string): boolean => {
    const a = accounts.get(accountId);
    if (!a) return false;
    if (a.security === 'less-secure') return true;
    if (a.approved.includes(runnerId)) return true;
    // A server runner receives what its pools receive.
    return a.approved.some((t) => pools.get(t)?.members.includes(runnerId));
  };

  const matches = (a: Association, objectId: string): boolean => {
    const o = objects.get(objectId)!;
    switch (a.scope.kind) {
      case 'all':
        return true;
      case 'object':
        return a.scope.objectId === objectId;
      case 'class':
        return tree.isA(o.classId, a.scope.classId);
      case 'group':
        return membership.membersOf(a.scope.groupId).has(objectId);
    }
  };

  const depthOf = (classId: string) => tree.ancestors(classId).length;

  function resolveProfile(profileId: string, objectId: string): Resolution {
    const candidates = input.associations.filter((a) => a.profileId === profileId && matches(a, objectId));
    if (candidates.length === 0) return { kind: 'default-action-account' };
    const key = (a: Association) => winnerKey(a, a.scope.kind === 'class' ? depthOf(a.scope.classId) : 0);
    const winner = candidates.reduce((best, a) => (compareKeys(key(a), key(best)) > 0 ? a : best));
    const distributed = distributedTo(winner.accountId, runnerOf(objectId));
    return {
      kind: distributed ? 'account' : 'not-distributed',
      accountId: winner.accountId,
      associationId: winner.id,
    };
  }

  return {
    resolveProfile,
    resolveWorkflow(workflowId: string, objectId: string): Resolution {
      const w = workflows.get(workflowId)!;
      return w.profileId === null
        ? { kind: 'default-action-account' }
        : resolveProfile(w.profileId, objectId);
    },
    /** The (workflow, object) pairs to run: every object whose class is the target class or derives from it. */
    pairs(): [string, string][] {
      const out: [string, string][] = [];
      for (const w of input.workflows) {
        for (const o of input.objects) if (tree.isA(o.classId, w.targetClassId)) out.push([w.id, o.id]);
      }
      return out;
    },
    runnerOf,
  };
}
