// Per-channel health, a circuit breaker: a channel whose every server or gateway fails, or whose account is
// missing, is paused. Its deliveries wait as pending — neither attempted nor dead — and one of them, the
// oldest, is tried as a probe at growing intervals (capped); the first probe that goes through resumes the
// channel and the rest drain. A paused channel raises a Steward alert, resolved when it resumes, so another
// channel can tell someone.
import type { Db } from '../../../store/db.js';
import type { AlertsService } from '../alerts/alerts-service.js';
import * as repo from './channel-health-repo.js';
import { NOTIFICATION_POOL } from './notifier-accounts.js';

export interface ChannelHealthDeps {
  db: Db;
  alerts: Pick<AlertsService, 'raise' | 'resolveByKey' | 'openByKey'>;
  now: () => Date;
  /** The first probe after a pause; doubled after each failed one. */
  probeBaseMs: number;
  /** The longest wait between probes. */
  probeMaxMs: number;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
  /** Told when a channel pauses. */
  onPause?: (cause: repo.PauseCause) => void;
}

export type ChannelHealth = ReturnType<typeof createChannelHealth>;

const pausedAlertKey = (channelId: string) => `notification-channel-paused:${channelId}`;

export function createChannelHealth(d: ChannelHealthDeps) {
  /** The paused channels as last read or written by this server. */
  let paused = new Map<string, repo.ChannelHealthRow>();

  /** The wait before the next probe, after `failedProbes` failed ones. */
  function probeDelay(cause: repo.PauseCause, failedProbes: number) {
    // A missing account is checked here, without the network: looked at again soon, so distributing it resumes
    // the channel within seconds.
    if (cause === 'account') return Math.min(d.probeBaseMs, d.probeMaxMs);
    return Math.min(d.probeBaseMs * 2 ** failedProbes, d.probeMaxMs);
  }

  async function raiseAlert(channel: { id: string; name: string }, reason: string) {
    if (await d.alerts.openByKey(pausedAlertKey(channel.id))) return;
    await d.alerts.raise('system', {
      name: 'Notification channel paused',
      description: `Notifications through channel ${channel.name} are paused: ${reason}. They wait, and are sent oldest first when the channel answers again; it is tried at growing intervals.`,
      severity: 'critical',
      priority: 'high',
      sourceObjectId: NOTIFICATION_POOL,
      sourceKind: 'steward',
      custom: { '1': channel.id, '2': channel.name },
      dedupeKey: pausedAlertKey(channel.id),
    });
  }

  return {
    /**
     * Reads the paused channels (the pool may have moved here from a server that paused one) and answers which
     * wait and which are due for a probe.
     */
    async refresh(): Promise<{ waiting: string[]; probeDue: string[] }> {
      paused = new Map((await repo.listPaused(d.db)).map((r) => [r.channelId, r]));
      const at = d.now().getTime();
      const waiting: string[] = [];
      const probeDue: string[] = [];
      for (const r of paused.values()) (r.nextProbeAt.getTime() <= at ? probeDue : waiting).push(r.channelId);
      return { waiting, probeDue };
    },

    isPaused: (channelId: string) => paused.has(channelId),

    /** The channels paused as this server last read or made them. */
    pausedChannels: () => [...paused.keys()],

    /**
     * The channel failed as a whole. A healthy one is paused (and the alert raised); a paused one whose probe
     * failed waits longer before the next. A delivery that was not a probe finds it paused already.
     */
    async failed(
      channel: { id: string; name: string },
      cause: repo.PauseCause,
      reason: string,
      wasProbe: boolean,
    ) {
      const have = paused.get(channel.id);
      if (have && !wasProbe) return;
      const at = d.now();
      const failedProbes = have ? have.failedProbes + 1 : 0;
      const row = await repo.savePause(d.db, {
        channelId: channel.id,
        cause,
        reason,
        pausedAt: have?.pausedAt ?? at,
        failedProbes,
        nextProbeAt: new Date(at.getTime() + probeDelay(cause, failedProbes)),
      });
      paused.set(channel.id, row);
      if (!have) {
        d.log.warn({ channel: channel.id, cause, reason }, 'notification channel paused');
        d.onPause?.(cause);
        await raiseAlert(channel, reason);
      }
    },

    /** A message went through the channel: it resumes if it was paused, and its alert is resolved. */
    async answered(channel: { id: string; name: string }) {
      if (!paused.has(channel.id)) return;
      paused.delete(channel.id);
      if (await repo.deletePause(d.db, channel.id))
        d.log.info({ channel: channel.id }, 'notification channel resumed');
      await d.alerts.resolveByKey('system', pausedAlertKey(channel.id));
    },

    /** The pool moved away, or the server stops. */
    forget() {
      paused = new Map();
    },
  };
}
