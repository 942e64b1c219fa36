// Groups: explicit members, dynamic rules and nested groups (no cycles); members computed with hosting (R19).
import { sql } from 'drizzle-orm';
import {
  createMembershipIndex,
  findSubgroupCycle,
  type GroupRule,
} from '../../../domain/inventory/membership.js';
import type { Db, Tx } from '../../../store/db.js';
import { AppError, invalid, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { associationsScopedTo } from '../accounts/accounts-repo.js';
import { appendAudit } from '../audit/audit-repo.js';
import { subscriptionsNaming } from '../notify/notify-config-repo.js';
import * as repo from './groups-repo.js';
import { exists, isUniqueViolation, listForMessage, loadClassTree } from './inventory-shared.js';
import * as objectsRepo from './objects-repo.js';

export interface GroupInput {
  displayName?: string;
  description?: string;
  members?: string[];
  rules?: GroupRule[];
  subgroups?: string[];
}

/** Serialises changes to the group graph, so two concurrent edits cannot close a cycle between them. */
const GROUP_GRAPH_LOCK = 7_420_101;
const lockGraph = (tx: Tx) => tx.execute(sql`SELECT pg_advisory_xact_lock(${GROUP_GRAPH_LOCK})`);

export type GroupsService = ReturnType<typeof createGroupsService>;

export function createGroupsService({ db }: { db: Db }) {
  const packRefusal = (g: repo.GroupRow) =>
    new AppError(
      'RULE_VIOLATION',
      `Group '${g.id}' belongs to management pack '${g.packId}'; change or remove the pack instead.`,
    );

  /** Checks every reference of the input; returns the lists de-duplicated. */
  async function checkInput(tx: Tx, groupId: string, input: GroupInput) {
    const members = input.members && [...new Set(input.members)];
    const subgroups = input.subgroups && [...new Set(input.subgroups)];
    if (members?.length) {
      const found = new Set((await objectsRepo.findObjects(tx, members)).map((o) => o.id));
      const i = input.members!.findIndex((id) => !found.has(id));
      if (i >= 0) throw invalid(`body.members[${i}]`, 'names no known object');
    }
    if (input.rules?.length) {
      const tree = await loadClassTree(tx);
      for (const [i, rule] of input.rules.entries()) {
        if (!tree.has(rule.classId)) throw invalid(`body.rules[${i}].classId`, 'names no known class');
        const known = new Set([
          'name',
          'displayName',
          ...tree.allProperties(rule.classId).map((q) => q.name),
        ]);
        for (const [j, c] of rule.conditions.entries()) {
          if (!known.has(c.property)) {
            throw invalid(
              `body.rules[${i}].conditions[${j}].property`,
              `is not a property of ${rule.classId} (nor name or displayName)`,
            );
          }
        }
      }
    }
    if (subgroups?.length) {
      const found = new Set(await repo.findGroupIds(tx, subgroups));
      const i = input.subgroups!.findIndex((id) => id !== groupId && !found.has(id));
      if (i >= 0) throw invalid(`body.subgroups[${i}]`, 'names no known group');
      const edges = new Map<string, string[]>();
      for (const e of await repo.allSubgroupEdges(tx)) {
        const list = edges.get(e.groupId);
        if (list) list.push(e.memberGroupId);
        else edges.set(e.groupId, [e.memberGroupId]);
      }
      const cycle = findSubgroupCycle(groupId, subgroups, (id) => edges.get(id) ?? []);
      if (cycle) {
        throw new AppError(
          'RULE_VIOLATION',
          `Nesting these groups would make a cycle: ${cycle.join(' → ')}.`,
          [{ path: 'body.subgroups', message: `would make a cycle: ${cycle.join(' → ')}` }],
        );
      }
    }
    return { members, subgroups };
  }

  const load = async (id: string) => {
    const g = await repo.findGroup(db, id);
    if (!g) throw notFound('Group', id);
    return g;
  };

  return {
    list: () => repo.listGroups(db),
    get: load,

    async create(p: Principal, input: GroupInput & { id: string }) {
      const taken = () => exists('body.id', `A group '${input.id}' already exists.`);
      try {
        await db.transaction(async (tx) => {
          await lockGraph(tx);
          if (await repo.findGroup(tx, input.id)) throw taken();
          const { members = [], subgroups = [] } = await checkInput(tx, input.id, input);
          await repo.insertGroup(tx, {
            id: input.id,
            packId: null,
            displayName: input.displayName ?? input.id,
            description: input.description ?? '',
            rules: input.rules ?? [],
          });
          await repo.replaceMembers(tx, input.id, members);
          await repo.replaceSubgroups(tx, input.id, subgroups);
          await appendAudit(tx, {
            actor: actorOf(p),
            kind: 'group.create',
            target: input.id,
            details: { members, subgroups, rules: input.rules ?? [] },
          });
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw taken();
        throw err;
      }
      return load(input.id);
    },

    async update(p: Principal, id: string, patch: GroupInput) {
      await db.transaction(async (tx) => {
        await lockGraph(tx);
        const g = await repo.findGroup(tx, id);
        if (!g) throw notFound('Group', id);
        if (g.group.packId) throw packRefusal(g.group);
        const { members, subgroups } = await checkInput(tx, id, patch);
        await repo.updateGroup(tx, id, {
          displayName: patch.displayName,
          description: patch.description,
          rules: patch.rules,
        });
        if (members) await repo.replaceMembers(tx, id, members);
        if (subgroups) await repo.replaceSubgroups(tx, id, subgroups);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'group.update',
          target: id,
          details: { ...patch, ...(members ? { members } : {}), ...(subgroups ? { subgroups } : {}) },
        });
      });
      return load(id);
    },

    async remove(p: Principal, id: string) {
      await db.transaction(async (tx) => {
        await lockGraph(tx);
        const g = await repo.findGroup(tx, id);
        if (!g) throw notFound('Group', id);
        if (g.group.packId) throw packRefusal(g.group);
        const parents = await repo.parentsOf(tx, id);
        if (parents.length) {
          throw new AppError(
            'IN_USE',
            `Group '${id}' is nested in ${listForMessage(parents)}; remove it from them first.`,
          );
        }
        const scoped = await associationsScopedTo(tx, { groupIds: [id] });
        if (scoped.length) {
          throw new AppError(
            'IN_USE',
            `Group '${id}' is the scope of Run As associations: ${listForMessage(scoped)}; delete or change them first.`,
          );
        }
        const subscriptions = await subscriptionsNaming(tx, { groupIds: [id] });
        if (subscriptions.length) {
          throw new AppError(
            'IN_USE',
            `Group '${id}' is in the criteria of notification subscriptions ${listForMessage(subscriptions.map((s) => `${s.name} (${s.id})`))}; change them first.`,
          );
        }
        await repo.deleteGroup(tx, id);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'group.delete',
          target: id,
          details: { members: g.members, subgroups: g.subgroups },
        });
      });
    },

    /** The computed members: explicit, by rule, through nested groups, and hosted on any of those. */
    async members(id: string) {
      await load(id);
      const [tree, objects, groups] = await Promise.all([
        loadClassTree(db),
        objectsRepo.listForMembership(db),
        repo.listGroups(db),
      ]);
      const index = createMembershipIndex({
        tree,
        objects,
        groups: groups.map((g) => ({
          id: g.group.id,
          members: g.members,
          rules: g.group.rules as GroupRule[],
          subgroups: g.subgroups,
        })),
      });
      const byId = new Map(objects.map((o) => [o.id, o]));
      return [...index.membersOf(id)]
        .map(([objectId, m]) => ({
          objectId,
          classId: byId.get(objectId)!.classId,
          displayName: byId.get(objectId)!.displayName,
          via: m.via,
          through: m.through,
        }))
        .sort((a, b) => (a.objectId < b.objectId ? -1 : a.objectId > b.objectId ? 1 : 0));
    },
  };
}
