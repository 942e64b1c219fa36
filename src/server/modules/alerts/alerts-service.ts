// Alerts: raise (with repeat counting by dedupe key), update, close by key, list and show — every change audited,
// and kept as it was (a snapshot of the alert with the audit record of the change).
import {
  type Priority,
  RESOLUTION_CLOSED,
  RESOLUTION_NEW,
  type Severity,
  type SourceKind,
} from '../../../contract/alerts.js';
import { newId } from '../../../contract/ids.js';
import { createBatcher } from '../../../store/batcher.js';
import type { Db, Executor, Tx } from '../../../store/db.js';
import { AppError, invalid, notFound } from '../../errors.js';
import { type AuditEntry, appendAudit, appendAuditBatch } from '../audit/audit-repo.js';
import { recordAlertSnapshot, recordAlertSnapshots } from './alert-snapshots-repo.js';
import * as repo from './alerts-repo.js';

export interface AlertsServiceDeps {
  db: Db;
  now?: () => Date;
}

export interface RaiseAlertInput {
  name: string;
  description?: string;
  severity: Severity;
  priority?: Priority;
  /** The object the alert is about; for Steward's own alerts a health service (cmp_…, srv_…) or watcher. */
  sourceObjectId?: string | null;
  sourceKind: SourceKind;
  workflowId?: string | null;
  category?: string | null;
  owner?: string | null;
  ticketId?: string | null;
  /** Custom1..Custom10 under the keys "1".."10". */
  custom?: Record<string, string | undefined>;
  /**
   * While an alert with this key is open, raising again increments its repeat count (and takes the new
   * severity and description) instead of creating another alert. Monitors and Steward's own alerts use it.
   */
  dedupeKey?: string | null;
}

export interface AlertPatch {
  resolutionState?: number;
  priority?: Priority;
  owner?: string | null;
  ticketId?: string | null;
  /** A value sets the field, null clears it, an absent key leaves it. */
  custom?: Record<string, string | null | undefined>;
}

export interface AlertListFilter {
  state?: 'open' | 'closed' | 'all';
  severity?: Severity;
  priority?: Priority;
  sourceObjectId?: string;
  workflowId?: string;
  since?: Date;
  afterId?: string;
  limit?: number;
}

export type AlertRow = repo.AlertRow;

interface PendingRaise {
  actor: string;
  input: RaiseAlertInput;
}
interface PendingResolve {
  actor: string;
  dedupeKey: string;
}
type RaiseOutcome = { alert: AlertRow; repeated: boolean } | { error: unknown };
export type AlertsService = ReturnType<typeof createAlertsService>;

const defined = (o: Record<string, string | null | undefined>) =>
  Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string'));

const sameFields = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/**
 * `actor` is the audit actor of each change: `user:<name>` for people (actorOf), `system` for Steward itself,
 * or a health service such as `agent:cmp_…`.
 */
export function createAlertsService({ db, now = () => new Date() }: AlertsServiceDeps) {
  async function mustFind(tx: Executor, id: string) {
    const row = await repo.findAlert(tx, id);
    if (!row) throw notFound('Alert', id);
    return row;
  }

  /**
   * The alerts of one batch: their sources checked in one query, those without a dedupe key inserted in one
   * statement, those with one each written in turn (it may repeat an alert raised earlier in the batch), their
   * audit records appended and their snapshots kept in one statement each.
   */
  async function raiseTogether(tx: Tx, batch: PendingRaise[]): Promise<RaiseOutcome[]> {
    const apiSources = batch.flatMap(({ input }) =>
      input.sourceKind === 'api' && input.sourceObjectId ? [input.sourceObjectId] : [],
    );
    const sources = await repo.existingSources(tx, apiSources);
    const valid = batch.map(
      ({ input }) => input.sourceKind !== 'api' || !input.sourceObjectId || sources.has(input.sourceObjectId),
    );
    // Alerts without a dedupe key are new whatever else the batch holds: written in one statement.
    const fresh = batch.flatMap((b, i) =>
      valid[i] && !b.input.dedupeKey ? [newAlert(b.actor, b.input)] : [],
    );
    const inserted = new Map((await repo.insertAlerts(tx, fresh)).map((r) => [r.id, r]));
    let nextFresh = 0;
    const outcomes: RaiseOutcome[] = [];
    const entries: AuditEntry[] = [];
    const written: AlertRow[] = [];
    for (const [i, { actor, input }] of batch.entries()) {
      if (!valid[i]) {
        outcomes.push({
          error: invalid(
            'body.sourceObjectId',
            `no object, computer, management server or pool '${input.sourceObjectId}'`,
          ),
        });
        continue;
      }
      const { row, repeated } = input.dedupeKey
        ? await repo.insertOrRepeat(tx, newAlert(actor, input), {
            severity: input.severity,
            ...(input.description !== undefined ? { description: input.description } : {}),
            lastModified: now(),
            lastModifiedBy: actor,
          })
        : { row: inserted.get(fresh[nextFresh++]!.id!)!, repeated: false };
      entries.push({
        actor,
        kind: 'alert.raise',
        target: row.id,
        details: {
          name: row.name,
          severity: row.severity,
          priority: row.priority,
          sourceKind: row.sourceKind,
          sourceObjectId: row.sourceObjectId,
          ...(repeated ? { repeated: true, repeatCount: row.repeatCount } : {}),
        },
      });
      written.push(row);
      outcomes.push({ alert: row, repeated });
    }
    const records = await appendAuditBatch(tx, entries);
    await recordAlertSnapshots(
      tx,
      records.map((r, i) => ({ changeSeq: r.seq, row: written[i]! })),
    );
    return outcomes;
  }

  const newAlert = (actor: string, input: RaiseAlertInput): repo.AlertInsert => {
    const at = now();
    return {
      id: newId('alert'),
      name: input.name,
      description: input.description ?? '',
      severity: input.severity,
      priority: input.priority ?? 'medium',
      resolutionState: RESOLUTION_NEW,
      sourceObjectId: input.sourceObjectId ?? null,
      sourceKind: input.sourceKind,
      workflowId: input.workflowId ?? null,
      category: input.category ?? null,
      owner: input.owner ?? null,
      ticketId: input.ticketId ?? null,
      custom: defined(input.custom ?? {}),
      repeatCount: 0,
      dedupeKey: input.dedupeKey ?? null,
      timeRaised: at,
      lastModified: at,
      lastModifiedBy: actor,
    };
  };

  /**
   * The closes of one batch: the open alerts read in one query, closed in one statement per actor, their audit
   * records appended and snapshots kept in one statement each. A key named twice is closed by the first.
   */
  async function resolveTogether(tx: Tx, batch: PendingResolve[]): Promise<(AlertRow | undefined)[]> {
    const open = new Map(
      (
        await repo.findOpenByKeys(
          tx,
          batch.map((b) => b.dedupeKey),
        )
      ).map((r) => [r.dedupeKey, r]),
    );
    const closing = new Map<string, PendingResolve>();
    for (const b of batch)
      if (open.has(b.dedupeKey) && !closing.has(b.dedupeKey)) closing.set(b.dedupeKey, b);
    const at = now();
    const closed = new Map<string, AlertRow>();
    for (const actor of new Set([...closing.values()].map((b) => b.actor))) {
      const ids = [...closing.values()]
        .filter((b) => b.actor === actor)
        .map((b) => open.get(b.dedupeKey)!.id);
      for (const row of await repo.closeAlerts(tx, ids, actor, at)) closed.set(row.dedupeKey!, row);
    }
    const done = [...closed.values()];
    const records = await appendAuditBatch(
      tx,
      done.map((row) => ({
        actor: closing.get(row.dedupeKey!)!.actor,
        kind: 'alert.update',
        target: row.id,
        details: {
          changed: ['resolutionState'],
          resolutionState: { from: open.get(row.dedupeKey)!.resolutionState, to: RESOLUTION_CLOSED },
          dedupeKey: row.dedupeKey,
        },
      })),
    );
    await recordAlertSnapshots(
      tx,
      records.map((r, i) => ({ changeSeq: r.seq, row: done[i]! })),
    );
    return batch.map((b) => (closing.get(b.dedupeKey) === b ? closed.get(b.dedupeKey) : undefined));
  }

  const resolves = createBatcher(
    (batch: PendingResolve[]) => db.transaction((tx) => resolveTogether(tx, batch)),
    { retryAlone: true },
  );

  const raises = createBatcher((batch: PendingRaise[]) => db.transaction((tx) => raiseTogether(tx, batch)), {
    retryAlone: true,
  });

  return {
    /**
     * Raises an alert, or repeats the open one with the same dedupe key. API-raised sources must exist. Alerts
     * raised in the same turn of the event loop are written together (a storm costs one transaction a turn).
     */
    async raise(actor: string, input: RaiseAlertInput): Promise<{ alert: AlertRow; repeated: boolean }> {
      const outcome = await raises.add({ actor, input });
      if ('error' in outcome) throw outcome.error;
      return outcome;
    },

    /**
     * Changes resolution state, priority, owner, ticket or custom fields; 255 closes (time and who resolved).
     * A patch that changes nothing writes nothing — no audit record, so no notification (R44) — and returns
     * the alert as it is; otherwise the audit record names only the fields that changed.
     */
    async update(actor: string, id: string, patch: AlertPatch): Promise<AlertRow> {
      return db.transaction(async (tx) => {
        const row = await mustFind(tx, id);
        const at = now();
        const set: Partial<repo.AlertInsert> = {};
        const changed: string[] = [];
        const details: Record<string, unknown> = { changed };
        const to = patch.resolutionState;
        if (to !== undefined && to !== row.resolutionState) {
          changed.push('resolutionState');
          details.resolutionState = { from: row.resolutionState, to };
          set.resolutionState = to;
          if (to === RESOLUTION_CLOSED) {
            set.timeResolved = at;
            set.resolvedBy = actor;
          } else if (row.resolutionState === RESOLUTION_CLOSED) {
            // Reopening: one open alert per dedupe key.
            const open = row.dedupeKey ? await repo.findOpenByKey(tx, row.dedupeKey) : undefined;
            if (open) {
              throw new AppError(
                'CONFLICT',
                `Alert ${open.id} is open with the same dedupe key '${row.dedupeKey}': close it before reopening ${id}.`,
                [
                  {
                    path: 'body.resolutionState',
                    message: `alert ${open.id} is open with the same dedupe key`,
                  },
                ],
              );
            }
            set.timeResolved = null;
            set.resolvedBy = null;
          }
        }
        if (patch.priority !== undefined && patch.priority !== row.priority) {
          changed.push('priority');
          set.priority = patch.priority;
        }
        if (patch.owner !== undefined && patch.owner !== row.owner) {
          changed.push('owner');
          set.owner = patch.owner;
        }
        if (patch.ticketId !== undefined && patch.ticketId !== row.ticketId) {
          changed.push('ticketId');
          set.ticketId = patch.ticketId;
        }
        if (patch.custom) {
          const custom = defined({ ...row.custom, ...patch.custom });
          if (!sameFields(custom, row.custom)) {
            changed.push('custom');
            set.custom = custom;
          }
        }
        if (changed.length === 0) return row;
        const next = (await repo.updateAlert(tx, id, { ...set, lastModified: at, lastModifiedBy: actor }))!;
        const change = await appendAudit(tx, { actor, kind: 'alert.update', target: id, details });
        await recordAlertSnapshot(tx, change.seq, next);
        return next;
      });
    },

    /**
     * Closes the open alert with this dedupe key, if there is one (a monitor healthy again, credentials arrived).
     * Alerts closed in the same turn of the event loop are written together (a fleet back at once costs one
     * transaction a turn, not one per agent).
     */
    resolveByKey: (actor: string, dedupeKey: string): Promise<AlertRow | undefined> =>
      resolves.add({ actor, dedupeKey }),

    /** Newest first; `nextAfterId` continues the listing, null on the last page. */
    async list(f: AlertListFilter = {}): Promise<{ items: AlertRow[]; nextAfterId: string | null }> {
      const limit = f.limit ?? 100;
      if (f.afterId && !(await repo.findAlert(db, f.afterId)))
        throw invalid('querystring.afterId', `no alert '${f.afterId}' to continue after`);
      const rows = await repo.listAlerts(db, { ...f, state: f.state ?? 'open', limit: limit + 1 });
      const items = rows.slice(0, limit);
      return { items, nextAfterId: rows.length > limit ? items[items.length - 1]!.id : null };
    },

    get: async (id: string): Promise<AlertRow> => mustFind(db, id),

    /** The open alert with this dedupe key, if any. */
    openByKey: (dedupeKey: string): Promise<AlertRow | undefined> => repo.findOpenByKey(db, dedupeKey),
  };
}
