// Paused notification channels in the database, and the outbox queries that respect them.
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import { notificationChannelHealth, notificationDeliveries } from '../../../store/schema.js';

export type ChannelHealthRow = typeof notificationChannelHealth.$inferSelect;
export type PauseCause = 'unreachable' | 'account';

export const listPaused = (db: Executor) => db.select().from(notificationChannelHealth);

export const findPaused = async (db: Executor, channelId: string) =>
  (
    await db
      .select()
      .from(notificationChannelHealth)
      .where(eq(notificationChannelHealth.channelId, channelId))
  )[0];

/** Pauses a channel, or records one more failed probe of a paused one; answers the row as it now is. */
export const savePause = async (db: Executor, row: ChannelHealthRow) =>
  (
    await db
      .insert(notificationChannelHealth)
      .values(row)
      .onConflictDoUpdate({
        target: notificationChannelHealth.channelId,
        set: {
          cause: row.cause,
          reason: row.reason,
          failedProbes: row.failedProbes,
          nextProbeAt: row.nextProbeAt,
        },
      })
      .returning()
  )[0]!;

/** The channel answered: it is no longer paused. True when it was. */
export const deletePause = async (db: Executor, channelId: string) =>
  (
    await db
      .delete(notificationChannelHealth)
      .where(eq(notificationChannelHealth.channelId, channelId))
      .returning({ id: notificationChannelHealth.channelId })
  ).length > 0;

/**
 * Claims the oldest waiting delivery of a paused channel: the probe. Locked with SKIP LOCKED like every
 * claim, so no two servers take it.
 */
export async function claimOldest(db: Executor, channelId: string, serverId: string, at: Date) {
  return db
    .update(notificationDeliveries)
    .set({ status: 'claimed', claimedBy: serverId, claimedAt: at })
    .where(
      inArray(
        notificationDeliveries.id,
        db
          .select({ id: notificationDeliveries.id })
          .from(notificationDeliveries)
          .where(
            and(
              eq(notificationDeliveries.channelId, channelId),
              inArray(notificationDeliveries.status, ['pending', 'retry']),
            ),
          )
          .orderBy(asc(notificationDeliveries.createdAt), asc(notificationDeliveries.id))
          .limit(1)
          .for('update', { skipLocked: true }),
      ),
    )
    .returning();
}

/** Deliveries that waited longer than the maximum age end as dead letters; answers how many. */
export async function expireOlderThan(db: Executor, before: Date, reason: string) {
  const rows = await db
    .update(notificationDeliveries)
    .set({ status: 'dead', lastError: reason })
    .where(
      and(
        inArray(notificationDeliveries.status, ['pending', 'retry']),
        lt(notificationDeliveries.createdAt, before),
      ),
    )
    .returning({ id: notificationDeliveries.id });
  return rows.length;
}

/** How many deliveries wait on each paused channel. */
export async function waitingByChannel(db: Executor, channelIds: readonly string[]) {
  if (!channelIds.length) return new Map<string, number>();
  const rows = await db
    .select({ channelId: notificationDeliveries.channelId, n: sql<string>`count(*)` })
    .from(notificationDeliveries)
    .where(
      and(
        inArray(notificationDeliveries.channelId, [...channelIds]),
        inArray(notificationDeliveries.status, ['pending', 'retry']),
      ),
    )
    .groupBy(notificationDeliveries.channelId);
  return new Map(rows.map((r) => [r.channelId, Number(r.n)]));
}
