// Notification channels, subscribers, subscriptions, the notifier's memory and the delivery outbox in the database.
import { and, asc, desc, eq, gt, inArray, isNotNull, lte, notInArray, or, sql } from 'drizzle-orm';
import { chunks } from '../../../domain/chunks.js';
import type { Executor } from '../../../store/db.js';
import {
  auditLog,
  notificationChannels,
  notificationDeliveries,
  notificationMatchStates,
  notificationSubscribers,
  notificationSubscriptions,
  notifierCursor,
  profiles,
} from '../../../store/schema.js';

export type ChannelRow = typeof notificationChannels.$inferSelect;
export type SubscriberRow = typeof notificationSubscribers.$inferSelect;
export type SubscriptionRow = typeof notificationSubscriptions.$inferSelect;
export type DeliveryRow = typeof notificationDeliveries.$inferSelect;
export type MatchStateRow = typeof notificationMatchStates.$inferSelect;

// ---------------------------------------------------------------- configuration

export const listChannels = (db: Executor) =>
  db.select().from(notificationChannels).orderBy(asc(notificationChannels.name));
export const findChannel = async (db: Executor, id: string) =>
  (await db.select().from(notificationChannels).where(eq(notificationChannels.id, id)))[0];
export const findChannels = (db: Executor, ids: readonly string[]) =>
  ids.length
    ? db
        .select()
        .from(notificationChannels)
        .where(inArray(notificationChannels.id, [...ids]))
    : Promise.resolve([]);
export const insertChannel = async (db: Executor, row: typeof notificationChannels.$inferInsert) =>
  (await db.insert(notificationChannels).values(row).returning())[0]!;
export const updateChannel = async (
  db: Executor,
  id: string,
  patch: Partial<typeof notificationChannels.$inferInsert>,
) =>
  (
    await db
      .update(notificationChannels)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(notificationChannels.id, id))
      .returning()
  )[0];
export const deleteChannel = (db: Executor, id: string) =>
  db.delete(notificationChannels).where(eq(notificationChannels.id, id));

export const listSubscribers = (db: Executor) =>
  db.select().from(notificationSubscribers).orderBy(asc(notificationSubscribers.name));
export const findSubscriber = async (db: Executor, id: string) =>
  (await db.select().from(notificationSubscribers).where(eq(notificationSubscribers.id, id)))[0];
export const findSubscribers = (db: Executor, ids: readonly string[]) =>
  ids.length
    ? db
        .select()
        .from(notificationSubscribers)
        .where(inArray(notificationSubscribers.id, [...ids]))
    : Promise.resolve([]);
export const insertSubscriber = async (db: Executor, row: typeof notificationSubscribers.$inferInsert) =>
  (await db.insert(notificationSubscribers).values(row).returning())[0]!;
export const updateSubscriber = async (
  db: Executor,
  id: string,
  patch: Partial<typeof notificationSubscribers.$inferInsert>,
) =>
  (
    await db
      .update(notificationSubscribers)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(notificationSubscribers.id, id))
      .returning()
  )[0];
export const deleteSubscriber = (db: Executor, id: string) =>
  db.delete(notificationSubscribers).where(eq(notificationSubscribers.id, id));

export const listSubscriptions = (db: Executor, enabledOnly = false) =>
  db
    .select()
    .from(notificationSubscriptions)
    .where(enabledOnly ? eq(notificationSubscriptions.enabled, true) : undefined)
    .orderBy(asc(notificationSubscriptions.name));
export const findSubscription = async (db: Executor, id: string) =>
  (await db.select().from(notificationSubscriptions).where(eq(notificationSubscriptions.id, id)))[0];
export const findSubscriptions = (db: Executor, ids: readonly string[]) =>
  ids.length
    ? db
        .select()
        .from(notificationSubscriptions)
        .where(inArray(notificationSubscriptions.id, [...ids]))
    : Promise.resolve([]);
export const insertSubscription = async (db: Executor, row: typeof notificationSubscriptions.$inferInsert) =>
  (await db.insert(notificationSubscriptions).values(row).returning())[0]!;
export const updateSubscription = async (
  db: Executor,
  id: string,
  patch: Partial<typeof notificationSubscriptions.$inferInsert>,
) =>
  (
    await db
      .update(notificationSubscriptions)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(notificationSubscriptions.id, id))
      .returning()
  )[0];
export const deleteSubscription = (db: Executor, id: string) =>
  db.delete(notificationSubscriptions).where(eq(notificationSubscriptions.id, id));

/** Subscriptions that name a subscriber (any role) or a channel: what blocks deleting them. */
export const subscriptionsUsing = async (db: Executor, what: { subscriberId?: string; channelId?: string }) =>
  (await listSubscriptions(db)).filter((s) =>
    what.subscriberId
      ? [...s.recipients.to, ...s.recipients.cc, ...s.recipients.bcc].includes(what.subscriberId)
      : s.channelIds.includes(what.channelId!),
  );

/**
 * Subscriptions whose criteria name any of these classes or groups, and which one: what deleting a class or a
 * group (by hand or with its pack) would leave matching nothing.
 */
export async function subscriptionsNaming(
  db: Executor,
  what: { classIds?: readonly string[]; groupIds?: readonly string[] },
): Promise<{ id: string; name: string; names: string }[]> {
  const named = [
    ...(what.classIds ?? []).map((id) => ({ key: 'classIds', id })),
    ...(what.groupIds ?? []).map((id) => ({ key: 'groupIds', id })),
  ];
  if (!named.length) return [];
  const out: { id: string; name: string; names: string }[] = [];
  for (const n of named)
    for (const s of await db
      .select({ id: notificationSubscriptions.id, name: notificationSubscriptions.name })
      .from(notificationSubscriptions)
      .where(sql`${notificationSubscriptions.criteria} @> ${JSON.stringify({ [n.key]: [n.id] })}::jsonb`))
      out.push({ ...s, names: `${n.key === 'classIds' ? 'class' : 'group'} '${n.id}'` });
  return out;
}

export const profileExists = async (db: Executor, id: string) =>
  (await db.select({ id: profiles.id }).from(profiles).where(eq(profiles.id, id))).length > 0;

// ---------------------------------------------------------------- the alert change feed

/** What the notifier follows: alert changes, and changes of subscriptions (which it keeps in memory). */
const FOLLOWED_CHANGES = [
  'alert.raise',
  'alert.update',
  'subscription.create',
  'subscription.update',
  'subscription.delete',
];

/** Alert and subscription changes in the audit log after `afterSeq`, oldest first. */
export const changesAfter = (db: Executor, afterSeq: number, limit: number) =>
  db
    .select({ seq: auditLog.seq, kind: auditLog.kind, target: auditLog.target, details: auditLog.details })
    .from(auditLog)
    .where(and(gt(auditLog.seq, afterSeq), inArray(auditLog.kind, FOLLOWED_CHANGES)))
    .orderBy(asc(auditLog.seq))
    .limit(limit);

/** The newest audit seq: where a new notifier starts (alerts from before it existed are not notified). */
export const latestSeq = async (db: Executor) =>
  Number((await db.select({ seq: sql<string>`coalesce(max(${auditLog.seq}), 0)` }).from(auditLog))[0]!.seq);

export const readCursor = async (db: Executor, id: string) =>
  (await db.select().from(notifierCursor).where(eq(notifierCursor.id, id)))[0]?.lastSeq;
export const writeCursor = (db: Executor, id: string, lastSeq: number) =>
  db
    .insert(notifierCursor)
    .values({ id, lastSeq })
    .onConflictDoUpdate({ target: notifierCursor.id, set: { lastSeq } });

// ---------------------------------------------------------------- match states (R45)

/** What every subscription remembers of these alerts: by alert, then by subscription. */
export async function findMatchStates(db: Executor, alertIds: readonly string[]) {
  const byAlert = new Map<string, Map<string, MatchStateRow>>(alertIds.map((id) => [id, new Map()]));
  if (!alertIds.length) return byAlert;
  const rows = await db
    .select()
    .from(notificationMatchStates)
    .where(inArray(notificationMatchStates.alertId, [...alertIds]));
  for (const r of rows) byAlert.get(r.alertId)?.set(r.subscriptionId, r);
  return byAlert;
}
export const dueMatchStates = (db: Executor, at: Date, limit: number) =>
  db
    .select()
    .from(notificationMatchStates)
    .where(and(isNotNull(notificationMatchStates.dueAt), lte(notificationMatchStates.dueAt, at)))
    .limit(limit);
/** Rows written in one statement at most: far below PostgreSQL's limit of parameters. */
const CHUNK = 1000;

/** Keeps these states, each new or replacing the one of its subscription and alert, in one statement a thousand. */
export async function saveMatchStates(db: Executor, rows: readonly MatchStateRow[]) {
  for (const part of chunks(rows, CHUNK))
    await db
      .insert(notificationMatchStates)
      .values(part)
      .onConflictDoUpdate({
        target: [notificationMatchStates.subscriptionId, notificationMatchStates.alertId],
        set: {
          matchingSince: sql`excluded.matching_since`,
          pending: sql`excluded.pending`,
          pendingSeq: sql`excluded.pending_seq`,
          dueAt: sql`excluded.due_at`,
        },
      });
}
/** What a subscription remembers of every alert: forgotten when it is deleted, turned off or changes what it asks. */
export const forgetMatchStates = (db: Executor, subscriptionId: string) =>
  db.delete(notificationMatchStates).where(eq(notificationMatchStates.subscriptionId, subscriptionId));

/** Forgets what these subscriptions remember of the alert. */
export const deleteMatchStates = (db: Executor, subscriptionIds: readonly string[], alertId: string) =>
  subscriptionIds.length
    ? db
        .delete(notificationMatchStates)
        .where(
          and(
            inArray(notificationMatchStates.subscriptionId, [...subscriptionIds]),
            eq(notificationMatchStates.alertId, alertId),
          ),
        )
    : Promise.resolve();

/** Forgets what each subscription remembers of its alert, for these pairs, in one statement. */
export function deleteMatchStatePairs(
  db: Executor,
  pairs: readonly { subscriptionId: string; alertId: string }[],
) {
  if (!pairs.length) return Promise.resolve();
  const byAlert = new Map<string, string[]>();
  for (const p of pairs) {
    const ids = byAlert.get(p.alertId);
    if (ids) ids.push(p.subscriptionId);
    else byAlert.set(p.alertId, [p.subscriptionId]);
  }
  return db
    .delete(notificationMatchStates)
    .where(
      or(
        ...[...byAlert].map(([alertId, subscriptionIds]) =>
          and(
            eq(notificationMatchStates.alertId, alertId),
            inArray(notificationMatchStates.subscriptionId, subscriptionIds),
          ),
        ),
      ),
    );
}

// ---------------------------------------------------------------- the outbox

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
              or(eq(notificationDeliveries.status, 'pending'), eq(notificationDeliveries.status, 'retry')),
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

/** Just before the channel gets it: from here on, a crash leaves it `sending`, never to be sent again. */
/**
 * Marks claimed deliveries `sending`, one statement for them all; answers each one's attempt count, or undefined
 * for one this server no longer holds (it must not be sent).
 */
export async function markSending(
  db: Executor,
  ids: readonly string[],
  serverId: string,
): Promise<(number | undefined)[]> {
  const rows = await db
    .update(notificationDeliveries)
    .set({ status: 'sending', attempts: sql`${notificationDeliveries.attempts} + 1` })
    .where(
      and(
        inArray(notificationDeliveries.id, [...ids]),
        eq(notificationDeliveries.status, 'claimed'),
        eq(notificationDeliveries.claimedBy, serverId),
      ),
    )
    .returning({ id: notificationDeliveries.id, attempts: notificationDeliveries.attempts });
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
