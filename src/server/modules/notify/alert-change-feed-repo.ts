// The alert change feed the notifier follows in the audit log, and its cursor: the last change it has acted on.
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import { auditLog, notifierCursor } from '../../../store/schema.js';

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
