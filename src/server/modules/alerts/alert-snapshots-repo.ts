// Each change of an alert as it was: the alert's row kept with the audit record of the change, so what reads the
// changes later (the notifier after an outage) sees every state in turn, not only the last one.
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import { alertSnapshots } from '../../../store/schema.js';
import type { AlertRow } from './alerts-repo.js';

const TIMES = ['timeRaised', 'timeResolved', 'lastModified'] as const;

const toJson = (row: AlertRow): Record<string, unknown> => JSON.parse(JSON.stringify(row));

function fromJson(json: Record<string, unknown>): AlertRow {
  const row = { ...json };
  for (const k of TIMES) row[k] = typeof row[k] === 'string' ? new Date(row[k] as string) : row[k];
  return row as unknown as AlertRow;
}

/** Keeps the alert as it is after the change `changeSeq`; call in the transaction that made the change. */
export const recordAlertSnapshot = (tx: Executor, changeSeq: number, row: AlertRow) =>
  recordAlertSnapshots(tx, [{ changeSeq, row }]);

/** Keeps each alert as it is after its change, in one statement; call in the transaction that made them. */
export const recordAlertSnapshots = (
  tx: Executor,
  changes: readonly { changeSeq: number; row: AlertRow }[],
) =>
  changes.length
    ? tx
        .insert(alertSnapshots)
        .values(changes.map(({ changeSeq, row }) => ({ changeSeq, alertId: row.id, alert: toJson(row) })))
    : Promise.resolve();

/** The alert as it was right after the change `changeSeq`; undefined for a change recorded without it. */
export async function alertAtChange(
  db: Executor,
  alertId: string,
  changeSeq: number,
): Promise<AlertRow | undefined> {
  const [s] = await db
    .select({ alert: alertSnapshots.alert })
    .from(alertSnapshots)
    .where(and(eq(alertSnapshots.changeSeq, changeSeq), eq(alertSnapshots.alertId, alertId)));
  return s ? fromJson(s.alert) : undefined;
}

/** The alerts as these changes left them, by change: one read for a page of changes (those recorded with it). */
export async function alertsAtChanges(
  db: Executor,
  changeSeqs: readonly number[],
): Promise<Map<number, AlertRow>> {
  if (!changeSeqs.length) return new Map();
  const rows = await db
    .select({ changeSeq: alertSnapshots.changeSeq, alert: alertSnapshots.alert })
    .from(alertSnapshots)
    .where(inArray(alertSnapshots.changeSeq, [...changeSeqs]));
  return new Map(rows.map((r) => [r.changeSeq, fromJson(r.alert)]));
}

/** The alert's newest recorded change and its state then; undefined when none was recorded. */
export async function latestAlertSnapshot(
  db: Executor,
  alertId: string,
): Promise<{ changeSeq: number; alert: AlertRow } | undefined> {
  const [s] = await db
    .select()
    .from(alertSnapshots)
    .where(eq(alertSnapshots.alertId, alertId))
    .orderBy(desc(alertSnapshots.changeSeq))
    .limit(1);
  return s ? { changeSeq: s.changeSeq, alert: fromJson(s.alert) } : undefined;
}
