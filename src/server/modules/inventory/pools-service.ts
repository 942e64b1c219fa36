// Resource pools: the built-in automatic pools, custom pools with manual or automatic membership.

import { newId } from '../../../contract/ids.js';
import {
  builtInPoolIds,
  SUBSCRIPTION_SERVER_CLASS,
  SUBSCRIPTION_SERVER_OBJECT,
} from '../../../contract/inventory.js';
import { POOL_CLASS } from '../../../domain/inventory/class-tree.js';
import type { Db, Executor } from '../../../store/db.js';
import { objects } from '../../../store/schema.js';
import { AppError, invalid, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import type { ServerRow } from '../servers/servers-repo.js';
import { findClass } from './classes-repo.js';
import { deleteWithHosted, exists, isUniqueViolation } from './inventory-shared.js';
import * as objectsRepo from './objects-repo.js';
import * as repo from './pools-repo.js';

export type Membership = 'automatic' | 'manual';

export const builtInPools = [
  {
    id: builtInPoolIds.allManagementServers,
    name: 'all-management-servers',
    displayName: 'All Management Servers',
  },
  { id: builtInPoolIds.notifications, name: 'notifications', displayName: 'Notifications Resource Pool' },
  { id: builtInPoolIds.automation, name: 'automation', displayName: 'Automation Pool' },
] as const;

/**
 * Creates the built-in pools that are missing; safe to repeat and to race (another server may be
 * starting too). Needs the System.ResourcePool class from the built-in library pack: without it,
 * nothing is created and the result says so.
 */
export async function ensureBuiltInPools(db: Db): Promise<{ created: string[]; missingClass: boolean }> {
  return db.transaction(async (tx) => {
    if (!(await findClass(tx, POOL_CLASS))) return { created: [], missingClass: true };
    const created: string[] = [];
    for (const b of builtInPools) {
      const inserted = await tx
        .insert(objects)
        .values({ id: b.id, classId: POOL_CLASS, name: b.name, displayName: b.displayName, hostId: null })
        .onConflictDoNothing()
        .returning({ id: objects.id });
      const pool = await repo.insertPool(tx, {
        id: b.id,
        name: b.name,
        membership: 'automatic',
        builtIn: true,
      });
      if (inserted.length || pool.length) {
        created.push(b.id);
        await appendAudit(tx, {
          actor: 'system',
          kind: 'pool.create',
          target: b.id,
          details: { name: b.name, membership: 'automatic', builtIn: true },
        });
      }
    }
    if (await findClass(tx, SUBSCRIPTION_SERVER_CLASS)) {
      const server = await tx
        .insert(objects)
        .values({
          id: SUBSCRIPTION_SERVER_OBJECT,
          classId: SUBSCRIPTION_SERVER_CLASS,
          name: 'alert-notification-subscription-server',
          displayName: 'Alert Notification Subscription Server',
          hostId: builtInPoolIds.notifications,
        })
        .onConflictDoNothing()
        .returning({ id: objects.id });
      if (server.length) {
        created.push(SUBSCRIPTION_SERVER_OBJECT);
        await appendAudit(tx, {
          actor: 'system',
          kind: 'object.create',
          target: SUBSCRIPTION_SERVER_OBJECT,
          details: {
            classId: SUBSCRIPTION_SERVER_CLASS,
            hostId: builtInPoolIds.notifications,
            builtIn: true,
          },
        });
      }
    }
    return { created, missingClass: false };
  });
}

export interface PoolsServiceDeps {
  db: Db;
  /** The management servers alive now: the members of every automatic pool. */
  servers: { listLive(): Promise<ServerRow[]> };
}

export type PoolsService = ReturnType<typeof createPoolsService>;

export function createPoolsService({ db, servers }: PoolsServiceDeps) {
  async function withMembers(rows: repo.PoolWithObject[]) {
    const live = await servers.listLive();
    const liveIds = new Set(live.map((s) => s.id));
    const manual = await repo.listManualMembers(
      db,
      rows.filter((r) => r.pool.membership === 'manual').map((r) => r.pool.id),
    );
    return rows.map((r) => ({
      ...r,
      members:
        r.pool.membership === 'manual'
          ? manual
              .filter((m) => m.poolId === r.pool.id)
              .map((m) => ({ id: m.id, name: m.name, live: liveIds.has(m.id) }))
          : live.map((s) => ({ id: s.id, name: s.name, live: true })),
    }));
  }

  const load = async (id: string) => {
    const row = await repo.findPool(db, id);
    if (!row) throw notFound('Pool', id);
    return (await withMembers([row]))[0]!;
  };

  async function checkServers(tx: Executor, ids: readonly string[]) {
    const known = new Set((await repo.findServers(tx, ids)).map((s) => s.id));
    const i = ids.findIndex((id) => !known.has(id));
    if (i >= 0) throw invalid(`body.members[${i}]`, 'names no known management server');
  }

  const taken = (name: string) => exists('body.name', `A pool named '${name}' already exists.`);

  return {
    list: async () => withMembers(await repo.listPools(db)),
    get: load,

    async create(
      p: Principal,
      input: { name: string; displayName?: string; membership: Membership; members?: string[] },
    ) {
      const members = [...new Set(input.members ?? [])];
      try {
        const id = await db.transaction(async (tx) => {
          if (!(await findClass(tx, POOL_CLASS))) {
            throw new AppError(
              'RULE_VIOLATION',
              `The class ${POOL_CLASS} is missing; import the built-in library.`,
            );
          }
          if (await repo.findPoolByName(tx, input.name)) throw taken(input.name);
          await checkServers(tx, members);
          const id = newId('pool');
          await objectsRepo.insertObject(tx, {
            id,
            classId: POOL_CLASS,
            name: input.name,
            displayName: input.displayName ?? input.name,
            hostId: null,
          });
          const inserted = await repo.insertPool(tx, { id, name: input.name, membership: input.membership });
          if (!inserted.length) throw taken(input.name);
          await repo.replaceMembers(tx, id, members);
          await appendAudit(tx, {
            actor: actorOf(p),
            kind: 'pool.create',
            target: id,
            details: { name: input.name, membership: input.membership, members },
          });
          return id;
        });
        return await load(id);
      } catch (err) {
        if (isUniqueViolation(err)) throw taken(input.name);
        throw err;
      }
    },

    async update(p: Principal, id: string, patch: { displayName?: string; members?: string[] }) {
      const members = patch.members && [...new Set(patch.members)];
      await db.transaction(async (tx) => {
        const row = await repo.findPool(tx, id);
        if (!row) throw notFound('Pool', id);
        if (
          row.pool.builtIn &&
          patch.displayName !== undefined &&
          patch.displayName !== row.object.displayName
        ) {
          throw new AppError(
            'RULE_VIOLATION',
            `'${row.object.displayName}' is a built-in pool; it cannot be renamed.`,
            [{ path: 'body.displayName', message: 'a built-in pool cannot be renamed' }],
          );
        }
        if (members && row.pool.membership !== 'manual') {
          throw new AppError(
            'RULE_VIOLATION',
            `'${row.object.displayName}' has automatic membership: its members are the live management servers.`,
            [{ path: 'body.members', message: 'only a pool with manual membership takes members' }],
          );
        }
        if (members) {
          await checkServers(tx, members);
          await repo.replaceMembers(tx, id, members);
        }
        await objectsRepo.updateObject(
          tx,
          id,
          patch.displayName !== undefined ? { displayName: patch.displayName } : {},
        );
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'pool.update',
          target: id,
          details: { ...patch, ...(members ? { members } : {}) },
        });
      });
      return load(id);
    },

    async remove(p: Principal, id: string, cascade: boolean) {
      return db.transaction(async (tx) => {
        const row = await repo.findPool(tx, id);
        if (!row) throw notFound('Pool', id);
        if (row.pool.builtIn) {
          throw new AppError(
            'RULE_VIOLATION',
            `'${row.object.displayName}' is a built-in pool; it cannot be deleted.`,
          );
        }
        return deleteWithHosted(
          tx,
          actorOf(p),
          { id, kind: 'pool', what: 'Pool', name: row.pool.name },
          cascade,
        );
      });
    },
  };
}
