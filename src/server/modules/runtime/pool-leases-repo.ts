// Pool leases in the database: which member server runs each pool's work, until its lease expires.
import { and, eq, inArray, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import { poolLeases, poolMembers, pools } from '../../../store/schema.js';

/** The pools this server belongs to: every automatic pool, and the manual pools that list it. */
export const poolsOfServer = async (db: Executor, serverId: string): Promise<string[]> =>
  (
    await db
      .select({ id: pools.id })
      .from(pools)
      .where(
        or(
          eq(pools.membership, 'automatic'),
          sql`EXISTS (SELECT 1 FROM ${poolMembers} WHERE ${poolMembers.poolId} = ${pools.id}
                AND ${poolMembers.serverId} = ${serverId})`,
        ),
      )
      .orderBy(pools.id)
  ).map((r) => r.id);

/**
 * Takes or renews the lease: it succeeds when nobody holds it, this server holds it, or the holder let it
 * expire. One statement, so two servers racing for a pool cannot both win.
 */
export async function tryHold(db: Executor, poolId: string, serverId: string, at: Date, ttlMs: number) {
  const rows = await db
    .insert(poolLeases)
    .values({ poolId, serverId, expiresAt: new Date(at.getTime() + ttlMs) })
    .onConflictDoUpdate({
      target: poolLeases.poolId,
      set: { serverId: sql`excluded.server_id`, expiresAt: sql`excluded.expires_at` },
      setWhere: or(eq(poolLeases.serverId, serverId), lt(poolLeases.expiresAt, at)),
    })
    .returning({ serverId: poolLeases.serverId });
  return rows[0]?.serverId === serverId;
}

export const release = (db: Executor, serverId: string, poolIds?: readonly string[]) =>
  db
    .delete(poolLeases)
    .where(
      poolIds
        ? and(eq(poolLeases.serverId, serverId), inArray(poolLeases.poolId, [...poolIds]))
        : eq(poolLeases.serverId, serverId),
    );

export const listLeases = (db: Executor) => db.select().from(poolLeases).orderBy(poolLeases.poolId);
