// The delivery outbox in the database: deliveries queued, claimed by one server at a time, marked sending and
// finished, handed back or recovered when their server stops or is gone, counted and listed.
import { and, asc, desc, eq, inArray, lte, notInArray, or, sql } from 'drizzle-orm';
import { chunks } from '../../../domain/chunks.js';
import { type Executor, preparedPerExecutor } from '../../../store/db.js';
import { notificationDeliveries } from '../../../store/schema.js';

export type DeliveryRow = typeof notificationDeliveries.$inferSelect;

/** Rows written in one statement at most: far below PostgreSQL's limit of parameters. */
const CHUNK = 1000;

/** Adds deliveries, a thousand a statement; one already made for the same change and address is not made again. */
export async function enqueue(db: Executor, rows: readonly (typeof notificationDeliveries.$inferInsert)[]) {
  for (const part of chunks(rows, CHUNK))
    await db.insert(notificationDeliveries).values(part).onConflictDoNothing();
}

/**
 * Takes up to `limit` due deliveries for this server, none of the channels in `pausedChannels`: marks them
 * `claimed` with who and when, in one statement over rows locked with SKIP LOCKED, so no two servers ever take
 * the same one.
 */
export async function claimDue(
  db: Executor,
  serverId: string,
  at: Date,
  limit: number,
  pausedChannels: readonly string[] = [],
): Promise<DeliveryRow[]> {
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
              // As the waiting index reads (migration 0034): its order, no sort of the backlog.
              sql`${notificationDeliveries.status} IN ('pending', 'retry')`,
              lte(notificationDeliveries.nextAttemptAt, at),
              pausedChannels.length
                ? notInArray(notificationDeliveries.channelId, [...pausedChannels])
                : undefined,
            ),
          )
          .orderBy(
            asc(notificationDeliveries.nextAttemptAt),
            asc(notificationDeliveries.changeSeq),
            asc(notificationDeliveries.id),
          )
          .limit(limit)
          .for('update', { skipLocked: true }),
      ),
    )
    .returning();
}

// Run for nearly every message sent: prepared once per database.
const markSendingQuery = preparedPerExecutor((db) =>
  db
    .update(notificationDeliveries)
    .set({ status: 'sending', attempts: sql`${notificationDeliveries.attempts} + 1` })
    .where(
      and(
        sql`${notificationDeliveries.id} = ANY(${sql.placeholder('ids')})`,
        eq(notificationDeliveries.status, 'claimed'),
        eq(notificationDeliveries.claimedBy, sql.placeholder('serverId')),
      ),
    )
    .returning({ id: notificationDeliveries.id, attempts: notificationDeliveries.attempts })
    .prepare('steward_mark_sending'),
);

/**
 * Marks claimed deliveries `sending`, one statement for them all, just before the channel gets them: from here on,
 * a crash leaves each `sending`, never to be sent again. Answers each one's attempt count, or undefined for one this
 * server no longer holds (it must not be sent).
 */
export async function markSending(
  db: Executor,
  ids: readonly string[],
  serverId: string,
): Promise<(number | undefined)[]> {
  const rows = await markSendingQuery(db).execute({ ids: [...ids], serverId });
  const attempts = new Map(rows.map((r) => [r.id, r.attempts]));
  return ids.map((id) => attempts.get(id));
}

export interface SentDelivery {
  id: string;
  sentAt: Date;
  detail: string | null;
}

/** Records deliveries sent, one statement for them all; as `finishDelivery`, only while this server holds them. */
export async function finishSent(
  db: Executor,
  sent: readonly SentDelivery[],
  serverId: string,
): Promise<void> {
  if (!sent.length) return;
  const rows = JSON.stringify(
    sent.map((s) => ({ id: s.id, sent_at: s.sentAt.toISOString(), detail: s.detail })),
  );
  await db.execute(sql`
    UPDATE notification_deliveries AS d
    SET status = 'sent', sent_at = v.sent_at, detail = v.detail, last_error = NULL
    FROM jsonb_to_recordset(${rows}::jsonb) AS v(id text, sent_at timestamptz, detail text)
    WHERE d.id = v.id AND d.status IN ('claimed', 'sending') AND d.claimed_by = ${serverId}`);
}

/** Records how an attempt ended; only the server that claimed the delivery may, and only while it holds it. */
export const finishDelivery = (
  db: Executor,
  id: string,
  serverId: string,
  patch: Partial<typeof notificationDeliveries.$inferInsert>,
  from: readonly ('claimed' | 'sending')[] = ['claimed', 'sending'],
) =>
  db
    .update(notificationDeliveries)
    .set(patch)
    .where(
      and(
        eq(notificationDeliveries.id, id),
        inArray(notificationDeliveries.status, [...from]),
        eq(notificationDeliveries.claimedBy, serverId),
      ),
    );

/** Claimed deliveries handed back unsent (the server is stopping, or the pool moved). */
export const releaseClaimed = (db: Executor, serverId: string) =>
  db
    .update(notificationDeliveries)
    .set({ status: 'pending', claimedBy: null, claimedAt: null })
    .where(and(eq(notificationDeliveries.status, 'claimed'), eq(notificationDeliveries.claimedBy, serverId)));

const notLive = (liveServerIds: readonly string[]) =>
  liveServerIds.length
    ? sql`${notificationDeliveries.claimedBy} NOT IN (${sql.join(
        liveServerIds.map((s) => sql`${s}`),
        sql`, `,
      )})`
    : undefined;

/**
 * Deliveries a server that is gone left behind: those it had only claimed go back to `pending`; those it
 * was sending become `unknown` — whether they went out cannot be known, and sending again could send twice.
 */
export async function recoverAbandoned(db: Executor, liveServerIds: readonly string[], at: Date) {
  const released = await db
    .update(notificationDeliveries)
    .set({ status: 'pending', claimedBy: null, claimedAt: null, nextAttemptAt: at })
    .where(and(eq(notificationDeliveries.status, 'claimed'), notLive(liveServerIds)))
    .returning({ id: notificationDeliveries.id });
  const unknown = await db
    .update(notificationDeliveries)
    .set({
      status: 'unknown',
      lastError: 'the server sending it stopped mid-send: not sent again, so it cannot arrive twice',
    })
    .where(and(eq(notificationDeliveries.status, 'sending'), notLive(liveServerIds)))
    .returning({ id: notificationDeliveries.id });
  return { released: released.length, unknown: unknown.length };
}

/** The statuses of deliveries not yet ended. */
export const LIVE_DELIVERY_STATUSES = ['pending', 'retry', 'claimed', 'sending'] as const;

/** How many deliveries wait or are in hand, by status (through the status index). */
export async function countLiveDeliveries(db: Executor): Promise<Record<string, number>> {
  const rows = await db
    .select({ status: notificationDeliveries.status, n: sql<string>`count(*)` })
    .from(notificationDeliveries)
    .where(inArray(notificationDeliveries.status, [...LIVE_DELIVERY_STATUSES]))
    .groupBy(notificationDeliveries.status);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

export const listDeliveries = (
  db: Executor,
  f: { status?: string; alertId?: string; subscriptionId?: string; limit: number },
) =>
  db
    .select()
    .from(notificationDeliveries)
    .where(
      and(
        f.status ? eq(notificationDeliveries.status, f.status) : undefined,
        f.alertId ? eq(notificationDeliveries.alertId, f.alertId) : undefined,
        f.subscriptionId
          ? or(
              eq(notificationDeliveries.subscriptionId, f.subscriptionId),
              sql`${notificationDeliveries.sources} @> ${JSON.stringify([{ subscriptionId: f.subscriptionId }])}::jsonb`,
            )
          : undefined,
      ),
    )
    // Deliveries queued together (a page of changes) are newest change first.
    .orderBy(
      desc(notificationDeliveries.createdAt),
      desc(notificationDeliveries.changeSeq),
      desc(notificationDeliveries.id),
    )
    .limit(f.limit);
