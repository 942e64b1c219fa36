// The notifier's match states in the database (R45): what each subscription remembers of an alert — since when
// it matches, and a notification held back by a delay until its time comes.
import { and, eq, inArray, isNotNull, lte, or, sql } from 'drizzle-orm';
import { chunks } from '../../../domain/chunks.js';
import type { Executor } from '../../../store/db.js';
import { notificationMatchStates } from '../../../store/schema.js';

export type MatchStateRow = typeof notificationMatchStates.$inferSelect;

/** Rows written in one statement at most: far below PostgreSQL's limit of parameters. */
const CHUNK = 1000;

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
