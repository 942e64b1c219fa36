// Alerts in the database: one open alert per dedupe key, listed newest first with keyset paging.
import { and, desc, eq, gte, inArray, like, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import { alerts, computers, managementServers, objects, pools } from '../../../store/schema.js';

export type AlertRow = typeof alerts.$inferSelect;
export type AlertInsert = typeof alerts.$inferInsert;

const CLOSED = 255;
const isOpen = ne(alerts.resolutionState, CLOSED);

export const findAlert = async (db: Executor, id: string) =>
  (await db.select().from(alerts).where(eq(alerts.id, id)))[0];

/** These alerts, those that exist, in one read. */
export const findAlerts = (db: Executor, ids: readonly string[]) =>
  ids.length
    ? db
        .select()
        .from(alerts)
        .where(inArray(alerts.id, [...ids]))
    : Promise.resolve([]);
export const findOpenByKey = async (db: Executor, dedupeKey: string) =>
  (
    await db
      .select()
      .from(alerts)
      .where(and(eq(alerts.dedupeKey, dedupeKey), isOpen))
  )[0];

/** The open alerts with these dedupe keys, in one read. */
export const findOpenByKeys = (db: Executor, dedupeKeys: readonly string[]) =>
  db
    .select()
    .from(alerts)
    .where(and(inArray(alerts.dedupeKey, [...dedupeKeys]), isOpen));

/** Closes these alerts if they are still open, as `actor`, at `at`; the rows closed. */
export const closeAlerts = (db: Executor, ids: readonly string[], actor: string, at: Date) =>
  db
    .update(alerts)
    .set({
      resolutionState: CLOSED,
      timeResolved: at,
      resolvedBy: actor,
      lastModified: at,
      lastModifiedBy: actor,
    })
    .where(and(inArray(alerts.id, [...ids]), isOpen))
    .returning();

/** The dedupe keys of the open alerts whose key starts with this prefix. */
export const openKeysWithPrefix = async (db: Executor, prefix: string): Promise<string[]> =>
  (
    await db
      .select({ key: alerts.dedupeKey })
      .from(alerts)
      .where(and(like(alerts.dedupeKey, `${prefix.replace(/[\\%_]/g, '\\$&')}%`), isOpen))
  ).flatMap((r) => (r.key ? [r.key] : []));

/**
 * Inserts the alert, or — when an open alert has the same dedupe key — increments that one's repeat count,
 * atomically (the partial unique index arbitrates between servers). `repeated` tells which happened.
 */
/** New alerts (none with a dedupe key), in one statement. */
export const insertAlerts = (db: Executor, rows: readonly AlertInsert[]) =>
  rows.length
    ? db
        .insert(alerts)
        .values([...rows])
        .returning()
    : Promise.resolve([]);

export async function insertOrRepeat(
  db: Executor,
  row: AlertInsert,
  repeat: Partial<AlertInsert>,
): Promise<{ row: AlertRow; repeated: boolean }> {
  const q = db.insert(alerts).values(row);
  const rows = await (row.dedupeKey
    ? q.onConflictDoUpdate({
        target: alerts.dedupeKey,
        targetWhere: sql`resolution_state <> 255 AND dedupe_key IS NOT NULL`,
        set: { ...repeat, repeatCount: sql`${alerts.repeatCount} + 1` },
      })
    : q
  ).returning();
  const r = rows[0]!;
  return { row: r, repeated: r.id !== row.id };
}

export const updateAlert = async (db: Executor, id: string, patch: Partial<AlertInsert>) =>
  (await db.update(alerts).set(patch).where(eq(alerts.id, id)).returning())[0];

export interface AlertFilter {
  state: 'open' | 'closed' | 'all';
  severity?: string;
  priority?: string;
  sourceObjectId?: string;
  workflowId?: string;
  since?: Date;
  /** Continue after this alert (which must exist) in newest-first order. */
  afterId?: string;
  limit: number;
}

export const listAlerts = (db: Executor, f: AlertFilter) =>
  db
    .select()
    .from(alerts)
    .where(
      and(
        f.state === 'open' ? isOpen : f.state === 'closed' ? eq(alerts.resolutionState, CLOSED) : undefined,
        f.severity ? eq(alerts.severity, f.severity) : undefined,
        f.priority ? eq(alerts.priority, f.priority) : undefined,
        f.sourceObjectId ? eq(alerts.sourceObjectId, f.sourceObjectId) : undefined,
        f.workflowId ? eq(alerts.workflowId, f.workflowId) : undefined,
        f.since ? gte(alerts.timeRaised, f.since) : undefined,
        // Compared with the stored row itself, so timestamp precision cannot skip or repeat an alert.
        f.afterId
          ? sql`(${alerts.timeRaised}, ${alerts.id}) < (SELECT a.time_raised, a.id FROM alerts a WHERE a.id = ${f.afterId})`
          : undefined,
      ),
    )
    .orderBy(desc(alerts.timeRaised), desc(alerts.id))
    .limit(f.limit);

/** Whether an id names an object, computer, management server or pool: what an alert may be about. */
/** Which of these ids name an object, computer, management server or pool: one query for them all. */
export async function existingSources(db: Executor, ids: readonly string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const list = [...ids];
  const rows = await db
    .select({ id: objects.id })
    .from(objects)
    .where(inArray(objects.id, list))
    .union(db.select({ id: computers.id }).from(computers).where(inArray(computers.id, list)))
    .union(
      db
        .select({ id: managementServers.id })
        .from(managementServers)
        .where(inArray(managementServers.id, list)),
    )
    .union(db.select({ id: pools.id }).from(pools).where(inArray(pools.id, list)));
  return new Set(rows.map((r) => r.id));
}
