// The background work of one server: pool leases, and — while it holds the All Management Servers pool —
// the health watchers. Pool-hosted workflows, the notifier, schedules and cloud jobs follow the leases.
import { builtInPoolIds } from '../../../contract/inventory.js';
import type { Db } from '../../../store/db.js';
import type { AlertsService } from '../alerts/alerts-service.js';
import type { CloudJobs } from '../automation/cloud-jobs.js';
import type { HybridJobs } from '../automation/hybrid-jobs-service.js';
import type { SchedulesService } from '../automation/schedules-service.js';
import type { Notifier } from '../notify/notifier.js';
import type { ResolutionService } from '../resolution/resolution-service.js';
import { createHealthWatchers } from './health-watchers.js';
import { createPoolLeases } from './pool-leases.js';
import type { PoolRunner } from './pool-runner.js';

export interface ServerRuntimeDeps {
  db: Db;
  serverId: string;
  alerts: Pick<AlertsService, 'raise' | 'resolveByKey' | 'openByKey'>;
  resolution: Pick<ResolutionService, 'current'> & Partial<Pick<ResolutionService, 'onChange'>>;
  poolLeaseMs?: number;
  credentialsGraceMs?: number;
  missedHeartbeatMs?: number;
  /** How often the watchers look; default 5 s. */
  sweepMs?: number;
  now?: () => Date;
  onError?: (err: unknown, what: string) => void;
  /** Runs pool-hosted workflows of the pools this server holds. */
  poolRunner?: Pick<PoolRunner, 'sync' | 'stop'>;
  /** Sends notifications while this server holds the Notifications Resource Pool (R36). */
  notifier?: Pick<Notifier, 'tick' | 'release'>;
  /** Runs cloud jobs while this server holds the Automation Pool. */
  cloudJobs?: Pick<CloudJobs, 'tick' | 'release' | 'kick'>;
  /** Fires due schedules while this server holds the Automation Pool, before each round of cloud jobs. */
  schedules?: Pick<SchedulesService, 'fireDue'>;
  /** Suspends hybrid jobs whose agent went silent, while this server holds the Automation Pool. */
  hybridJobs?: Pick<HybridJobs, 'sweep'>;
  /** Rotates identity-token signing keys on their schedule, while this server holds All Management Servers. */
  signingKeys?: { rotateIfDue(): Promise<unknown> };
  /** Raises and resolves alerts for certificates of automation accounts expiring, with the health watchers. */
  certificateExpiry?: { sweep(): Promise<unknown> };
  /** This server's own default action account checks, made by every server at each sweep. */
  serverAccountChecks?: { run(): Promise<unknown> };
  /** How often the notifier looks for alert changes and due deliveries; default 1 s. */
  notifyMs?: number;
}

export type ServerRuntime = ReturnType<typeof createServerRuntime>;

export function createServerRuntime(d: ServerRuntimeDeps) {
  const leases = createPoolLeases({
    db: d.db,
    serverId: d.serverId,
    ttlMs: d.poolLeaseMs,
    now: d.now,
    onError: (err) => d.onError?.(err, 'pool lease renewal'),
    onChange: (held) => {
      void d.poolRunner?.sync(held);
      if (!held.has(builtInPoolIds.notifications))
        void d.notifier?.release().catch((err) => d.onError?.(err, 'notifier release'));
      if (!held.has(builtInPoolIds.automation))
        void d.cloudJobs?.release().catch((err) => d.onError?.(err, 'cloud jobs release'));
    },
  });
  const watchers = createHealthWatchers({
    db: d.db,
    alerts: d.alerts,
    resolution: d.resolution,
    credentialsGraceMs: d.credentialsGraceMs,
    heartbeatTimeoutMs: d.missedHeartbeatMs,
    now: d.now,
  });
  let timer: NodeJS.Timeout | undefined;
  let notifyTimer: NodeJS.Timeout | undefined;
  let jobsTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;
  let notifying: Promise<void> | undefined;
  let notifyAgain = false;
  let unfollow: (() => unknown) | undefined;
  let stopping = false;
  const holdsNotifications = () => !stopping && leases.holds(builtInPoolIds.notifications);

  let jobsRound: Promise<void> | undefined;
  const holdsAutomation = () => !stopping && leases.holds(builtInPoolIds.automation);
  /** One round of schedules, cloud jobs and the hybrid jobs' sweep, when this server holds the Automation Pool. */
  function runJobs(): Promise<void> {
    if ((!d.cloudJobs && !d.schedules && !d.hybridJobs) || !holdsAutomation()) return Promise.resolve();
    jobsRound ??= (async () => {
      // A schedule's failure must not hold up the jobs already queued.
      await d.schedules?.fireDue().catch((err) => d.onError?.(err, 'schedules'));
      await d.hybridJobs?.sweep().catch((err) => d.onError?.(err, 'hybrid jobs'));
      if (holdsAutomation()) await d.cloudJobs?.tick(holdsAutomation);
    })().finally(() => {
      jobsRound = undefined;
    });
    return jobsRound;
  }

  /** One notifier round, when this server holds the Notifications Resource Pool. */
  function notify(): Promise<void> {
    if (!d.notifier || !holdsNotifications()) return Promise.resolve();
    if (notifying) {
      // Asked during a round: one more round follows it, for what was committed after it began.
      notifyAgain = true;
      return notifying;
    }
    notifying = d.notifier.tick(holdsNotifications).finally(() => {
      notifying = undefined;
      if (notifyAgain) {
        notifyAgain = false;
        void notify().catch((err) => d.onError?.(err, 'notifier'));
      }
    });
    return notifying;
  }

  /**
   * Alerts and jobs committed on any server reach the pools' holder through the change feed (a notice on
   * PostgreSQL, at once for this server's own writes), not only at the next poll; the poll stays as the
   * fallback.
   */
  function followChanges() {
    return d.resolution.onChange?.((c) => {
      if (c.kind === 'alert.raise' || c.kind === 'alert.update') {
        void notify().catch((err) => d.onError?.(err, 'notifier'));
      } else if (c.kind === 'job.start' || c.kind === 'job.resume') {
        if (holdsAutomation()) d.cloudJobs?.kick();
      }
    });
  }

  async function sweep() {
    await d.serverAccountChecks?.run().catch((err) => d.onError?.(err, 'server action account checks'));
    if (!leases.holds(builtInPoolIds.allManagementServers)) return;
    const halt = () => stopping;
    await watchers.sweepCredentials(halt);
    if (stopping) return;
    await watchers.sweepHeartbeats(halt);
    if (stopping) return;
    await d.signingKeys?.rotateIfDue().catch((err) => d.onError?.(err, 'signing key rotation'));
    await d.certificateExpiry?.sweep();
  }

  return {
    leases,
    watchers,
    /** Checks this server's default action account now (also done at every sweep). */
    checkServerAccount: () => d.serverAccountChecks?.run() ?? Promise.resolve([]),
    notify,
    runJobs,
    /** One watchers round, when this server holds the All Management Servers pool. */
    sweep(): Promise<void> {
      sweeping ??= sweep().finally(() => {
        sweeping = undefined;
      });
      return sweeping;
    },
    start() {
      stopping = false;
      leases.start();
      unfollow = followChanges();
      timer = setInterval(
        () => void this.sweep().catch((err) => d.onError?.(err, 'health watchers')),
        d.sweepMs ?? 5000,
      );
      timer.unref();
      notifyTimer = setInterval(
        () => void notify().catch((err) => d.onError?.(err, 'notifier')),
        d.notifyMs ?? 1000,
      );
      notifyTimer.unref();
      jobsTimer = setInterval(
        () => void runJobs().catch((err) => d.onError?.(err, 'cloud jobs')),
        d.notifyMs ?? 1000,
      );
      jobsTimer.unref();
    },
    async stop() {
      stopping = true;
      unfollow?.();
      unfollow = undefined;
      if (timer) clearInterval(timer);
      if (notifyTimer) clearInterval(notifyTimer);
      timer = undefined;
      notifyTimer = undefined;
      await sweeping?.catch(() => undefined);
      await notifying?.catch(() => undefined);
      if (jobsTimer) clearInterval(jobsTimer);
      jobsTimer = undefined;
      await jobsRound?.catch(() => undefined);
      await d.cloudJobs?.release().catch(() => undefined);
      await d.notifier?.release().catch(() => undefined);
      await leases.stop();
      await d.poolRunner?.stop();
    },
  };
}
