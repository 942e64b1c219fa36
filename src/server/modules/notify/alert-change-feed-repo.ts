// The alert change feed the notifier follows in the audit log, and its cursor: the last change it has acted on.
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import { auditLog, notifierCursor } from '../../../store/schema.js';

/**
 * What the notifier follows: alert changes, and changes of subscriptions (which it keeps in memory). The same
 * list, in the same order, is the predicate of the index `audit_log_alert_feed_idx` (migration 0036).
 */
export const FOLLOWED_CHANGES = [
  'alert.raise',
  'alert.update',
  'subscription.create',
  'subscription.update',
  'subscription.delete',
] as const;

/**
 * The followed kinds written into the query's text rather than passed as parameters: PostgreSQL uses a partial
 * index only for a query whose condition it can prove implies the index's, and a parameter proves nothing.
 */
const followed = sql.raw(`"audit_log"."kind" IN (${FOLLOWED_CHANGES.map((k) => `'${k}'`).join(', ')})`);

/**
 * Alert and subscription changes in the audit log after `afterSeq`, oldest first: read through the index of those
 * alone, however many other records were written since.
 */
export const changesAfter = (db: Executor, afterSeq: number, limit: number) =>
  db
    .select({ seq: auditLog.seq, kind: auditLog.kind, target: auditLog.target, details: auditLog.details })
    .from(auditLog)
    .where(and(gt(auditLog.seq, afterSeq), followed))
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
