// The alert as subscriptions test it and templates render it: its fields, and its source's name, class, hosting
// path and full name (SCOM's forms, R40), with a watcher as the source of heartbeat alerts (R46).
import { resolutionStateName } from '../../../contract/alerts.js';
import type { NotificationAlert } from '../../../domain/notify/alert.js';
import type { Executor } from '../../../store/db.js';
import type { AlertRow } from '../alerts/alerts-repo.js';
import { selfAndHosts } from '../inventory/objects-repo.js';

/** The alert as notifications see it, with its source's name and class (a watcher for heartbeats, R46). */
export async function notificationAlertOf(db: Executor, a: AlertRow): Promise<NotificationAlert> {
  let sourceName: string | null = null;
  let sourceClassId: string | null = null;
  let sourcePath: string | null = null;
  let sourceFullName: string | null = null;
  if (a.sourceObjectId?.startsWith('watcher:')) {
    sourceName = `Health Service Watcher (${a.sourceObjectId.slice('watcher:'.length)})`;
    sourceClassId = 'System.HealthServiceWatcher';
  } else if (a.sourceObjectId) {
    const chain = await selfAndHosts(db, a.sourceObjectId);
    const byId = new Map(chain.map((o) => [o.id, o]));
    const o = byId.get(a.sourceObjectId);
    sourceName = o?.displayName ?? null;
    sourceClassId = o?.classId ?? null;
    if (o) {
      // SCOM's forms: the path is the names of the hosts, outermost first; the full name is class:path;name.
      const hosts: string[] = [];
      for (
        let h = o.hostId ? byId.get(o.hostId) : undefined;
        h;
        h = h.hostId ? byId.get(h.hostId) : undefined
      )
        hosts.unshift(h.name);
      sourcePath = hosts.join(';') || null;
      sourceFullName = `${o.classId}:${[...hosts, o.name].join(';')}`;
    }
  }
  return {
    id: a.id,
    name: a.name,
    description: a.description,
    severity: a.severity as NotificationAlert['severity'],
    priority: a.priority as NotificationAlert['priority'],
    resolutionState: a.resolutionState,
    resolutionStateName: resolutionStateName(a.resolutionState),
    sourceObjectId: a.sourceObjectId,
    sourceName,
    sourceClassId,
    sourcePath,
    sourceFullName,
    sourceKind: a.sourceKind,
    workflowId: a.workflowId,
    workflowName: a.workflowId,
    createdByMonitor: a.dedupeKey?.startsWith('monitor:') ?? false,
    timeRaised: a.timeRaised,
    timeAdded: a.timeRaised,
    timeResolved: a.timeResolved,
    lastModified: a.lastModified,
    lastModifiedBy: a.lastModifiedBy,
    resolvedBy: a.resolvedBy,
    owner: a.owner,
    ticketId: a.ticketId,
    repeatCount: a.repeatCount,
    custom: a.custom,
    category: a.category,
  };
}
