// Steward's own alerts about health services, raised and resolved by one server at a time (the holder of
// the All Management Servers lease):
// - Health Service Credentials Not Found (R22): a workflow not run for an object because its account is not
//   on the health service, for longer than the grace period; resolved once every such run runs again.
// - Health Service Heartbeat Failure (R46): an agent not heard from within the heartbeat timeout; its source
//   is the health service watcher, not the computer; resolved when the agent is heard from again.
import { and, eq, inArray, isNotNull, like, lt, ne, sql } from 'drizzle-orm';
import { RESOLUTION_CLOSED } from '../../../contract/alerts.js';
import { chunks } from '../../../domain/chunks.js';
import type { Db } from '../../../store/db.js';
import {
  accounts,
  agents,
  alerts as alertsTable,
  workflowResults,
  workflows,
} from '../../../store/schema.js';
import type { AlertsService, RaiseAlertInput } from '../alerts/alerts-service.js';
import type { ResolutionService } from '../resolution/resolution-service.js';

export const CREDENTIALS_NOT_FOUND = 'Health Service Credentials Not Found';
export const HEARTBEAT_FAILURE = 'Health Service Heartbeat Failure';

const credentialsKey = (runnerId: string, accountId: string) =>
  `credentials-not-found:${runnerId}:${accountId}`;
const heartbeatKey = (agentId: string) => `heartbeat:${agentId}`;
/** The watcher of a health service: the source of its heartbeat alerts (R46). */
export const watcherOf = (healthServiceId: string) => `watcher:${healthServiceId}`;

const ACTOR = 'system';
const never = () => false;
/** Alerts raised or resolved at once by a sweep: a fleet silent or back costs one transaction per run of them. */
const CHANGED_TOGETHER = 100;

export interface HealthWatchersDeps {
  db: Db;
  alerts: Pick<AlertsService, 'raise' | 'resolveByKey'>;
  resolution: Pick<ResolutionService, 'current'>;
  /** R22's wait before the alert; default 5 minutes. */
  credentialsGraceMs?: number;
  /** An agent not heard from for this long is unavailable; default 60 s. */
  heartbeatTimeoutMs?: number;
  now?: () => Date;
}

export type HealthWatchers = ReturnType<typeof createHealthWatchers>;

interface Missing {
  runnerId: string;
  accountId: string;
  since: Date;
  pairs: { workflowId: string; objectId: string }[];
}

export function createHealthWatchers(d: HealthWatchersDeps) {
  const graceMs = d.credentialsGraceMs ?? 300_000;
  const heartbeatMs = d.heartbeatTimeoutMs ?? 60_000;
  const now = d.now ?? (() => new Date());
  const db = d.db;
  /**
   * Silence is counted from this watcher's start at the earliest: after the whole pool was down, agents get one
   * heartbeat window to come back before any is called unavailable (their silence was nobody's to hear).
   */
  const watchingSince = now().getTime();

  const openKeys = async (prefix: string) =>
    new Set(
      (
        await db
          .select({ key: alertsTable.dedupeKey })
          .from(alertsTable)
          .where(
            and(
              ne(alertsTable.resolutionState, RESOLUTION_CLOSED),
              like(alertsTable.dedupeKey, `${prefix}%`),
            ),
          )
      ).map((r) => r.key!),
    );

  /** Not-run reports that still stand: the entry is in the runner's configuration with that same account. */
  async function standingMisses(): Promise<Map<string, Missing>> {
    const rows = await db
      .select()
      .from(workflowResults)
      .where(
        and(
          eq(workflowResults.outcome, 'not-run-credentials-not-found'),
          isNotNull(workflowResults.accountId),
        ),
      );
    const engine = await d.resolution.current();
    const configs = new Map<string, Map<string, string | undefined>>();
    const out = new Map<string, Missing>();
    for (const r of rows) {
      let entries = configs.get(r.agentId);
      if (!entries) {
        entries = new Map(
          (engine.configOf(r.agentId)?.entries ?? []).map((e) => [
            `${e.workflowId}\u0000${e.objectId}`,
            e.resolution.kind === 'default-action-account' ? undefined : e.resolution.accountId,
          ]),
        );
        configs.set(r.agentId, entries);
      }
      if (entries.get(`${r.workflowId}\u0000${r.objectId}`) !== r.accountId) continue;
      const key = credentialsKey(r.agentId, r.accountId!);
      const since = r.notRunSince ?? r.startedAt;
      const m = out.get(key) ?? { runnerId: r.agentId, accountId: r.accountId!, since, pairs: [] };
      if (since < m.since) m.since = since;
      m.pairs.push({ workflowId: r.workflowId, objectId: r.objectId });
      out.set(key, m);
    }
    return out;
  }

  async function describe(m: Missing) {
    const [account] = await db
      .select({ name: accounts.name })
      .from(accounts)
      .where(eq(accounts.id, m.accountId));
    const wfIds = [...new Set(m.pairs.map((p) => p.workflowId))].sort();
    const profiles = [
      ...new Set(
        (
          await db
            .select({ profileId: workflows.profileId })
            .from(workflows)
            .where(inArray(workflows.id, wfIds))
        )
          .map((w) => w.profileId)
          .filter((p): p is string => !!p),
      ),
    ].sort();
    return (
      `The Run As account ${account?.name ?? m.accountId} (${m.accountId}) in Run As profile ` +
      `${profiles.join(', ') || '(none)'} is not distributed to health service ${m.runnerId}, so ` +
      `${m.pairs.length} workflow run(s) could not be loaded (${wfIds.slice(0, 5).join(', ')}` +
      `${wfIds.length > 5 ? ', …' : ''}). Distribute the account to this health service, or change the association.`
    );
  }

  /**
   * Raises or resolves alerts CHANGED_TOGETHER at a time, so that the alerts service writes each run in one
   * transaction; stops between two runs once `halt` says so (the server stops), leaving the rest to the next
   * sweep. Returns the items changed.
   */
  async function inRuns<T>(
    items: T[],
    halt: () => boolean,
    change: (item: T) => Promise<unknown>,
  ): Promise<T[]> {
    const changed: T[] = [];
    for (const run of chunks(items, CHANGED_TOGETHER)) {
      if (halt()) break;
      await Promise.all(run.map(change));
      changed.push(...run);
    }
    return changed;
  }
  const raiseAll = async (due: RaiseAlertInput[], halt: () => boolean) =>
    (await inRuns(due, halt, (input) => d.alerts.raise(ACTOR, input))).map((input) => input.dedupeKey!);
  const resolveAll = (keys: string[], halt: () => boolean) =>
    inRuns(keys, halt, (key) => d.alerts.resolveByKey(ACTOR, key));

  return {
    /** Raises the alert for misses older than the grace period; resolves the alerts whose misses are gone. */
    async sweepCredentials(halt = never): Promise<{ raised: string[]; resolved: string[] }> {
      const misses = await standingMisses();
      const open = await openKeys('credentials-not-found:');
      const at = now().getTime();
      const due: RaiseAlertInput[] = [];
      for (const [key, m] of misses) {
        if (open.has(key) || at - m.since.getTime() < graceMs) continue;
        due.push({
          name: CREDENTIALS_NOT_FOUND,
          description: await describe(m),
          severity: 'critical',
          priority: 'high',
          sourceObjectId: m.runnerId,
          sourceKind: 'steward',
          custom: { '1': m.accountId },
          dedupeKey: key,
        });
      }
      const raised = await raiseAll(due, halt);
      const resolved = await resolveAll(
        [...open].filter((key) => !misses.has(key)),
        halt,
      );
      return { raised, resolved };
    },

    /**
     * Raises a heartbeat alert for each approved agent silent past the timeout (counted from this watcher's start
     * at the earliest); resolves the others'.
     */
    async sweepHeartbeats(halt = never): Promise<{ raised: string[]; resolved: string[] }> {
      const cutoff = new Date(now().getTime() - heartbeatMs);
      // Only the silent agents are read (a live fleet's rows are not): none while the watcher's start is recent.
      const silent =
        watchingSince >= cutoff.getTime()
          ? []
          : await db
              .select({
                id: agents.id,
                name: agents.computerName,
                lastSeenAt: agents.lastSeenAt,
                enrolledAt: agents.enrolledAt,
              })
              .from(agents)
              .where(
                and(
                  eq(agents.status, 'approved'),
                  lt(sql`coalesce(${agents.lastSeenAt}, ${agents.enrolledAt})`, cutoff),
                ),
              );
      const silentIds = new Set(silent.map((a) => a.id));
      const open = await openKeys('heartbeat:');
      const due: RaiseAlertInput[] = [];
      for (const a of silent) {
        const key = heartbeatKey(a.id);
        if (open.has(key)) continue;
        due.push({
          name: HEARTBEAT_FAILURE,
          description:
            `The health service watcher has not heard from agent ${a.name} (${a.id}) since ` +
            `${(a.lastSeenAt ?? a.enrolledAt).toISOString()}: it is unavailable.`,
          severity: 'critical',
          priority: 'high',
          sourceObjectId: watcherOf(a.id),
          sourceKind: 'watcher',
          dedupeKey: key,
        });
      }
      const raised = await raiseAll(due, halt);
      const resolved = await resolveAll(
        [...open].filter((key) => !silentIds.has(key.slice('heartbeat:'.length))),
        halt,
      );
      return { raised, resolved };
    },

    /** Whether an agent is available: heard from within the heartbeat timeout. */
    isAvailable: (lastSeenAt: Date | null) =>
      !!lastSeenAt && lastSeenAt.getTime() > now().getTime() - heartbeatMs,
  };
}
