// Resource pools and their manual members in the database (pools are objects too).
import { asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import { managementServers, objects, poolMembers, pools } from '../../../store/schema.js';

export type PoolRow = typeof pools.$inferSelect;
export type PoolWithObject = { object: typeof objects.$inferSelect; pool: PoolRow };

const poolSelect = { object: objects, pool: pools };

export const listPools = (db: Executor): Promise<PoolWithObject[]> =>
  db.select(poolSelect).from(pools).innerJoin(objects, eq(objects.id, pools.id)).orderBy(asc(pools.name));

export const findPool = async (db: Executor, id: string): Promise<PoolWithObject | undefined> =>
  (
    await db
      .select(poolSelect)
      .from(pools)
      .innerJoin(objects, eq(objects.id, pools.id))
      .where(eq(pools.id, id))
  )[0];

export const findPoolByName = async (db: Executor, name: string) =>
  (await db.select({ id: pools.id }).from(pools).where(eq(pools.name, name)))[0];

export const insertPool = (db: Executor, row: typeof pools.$inferInsert) =>
  db.insert(pools).values(row).onConflictDoNothing().returning();

/** Manual members of the given pools, with the server names. */
export const listManualMembers = (db: Executor, poolIds: readonly string[]) =>
  poolIds.length
    ? db
        .select({ poolId: poolMembers.poolId, id: managementServers.id, name: managementServers.name })
        .from(poolMembers)
        .innerJoin(managementServers, eq(managementServers.id, poolMembers.serverId))
        .where(inArray(poolMembers.poolId, [...poolIds]))
        .orderBy(asc(managementServers.name))
    : Promise.resolve([]);

export const replaceMembers = async (db: Executor, poolId: string, serverIds: readonly string[]) => {
  await db.delete(poolMembers).where(eq(poolMembers.poolId, poolId));
  if (serverIds.length)
    await db.insert(poolMembers).values(serverIds.map((serverId) => ({ poolId, serverId })));
};

export const findServers = (db: Executor, ids: readonly string[]) =>
  ids.length
    ? db
        .select({ id: managementServers.id })
        .from(managementServers)
        .where(inArray(managementServers.id, [...ids]))
    : Promise.resolve([]);
