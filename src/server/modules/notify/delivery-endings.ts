// How a delivery ends when it does not reach its channel, or its channel fails it: given up (dead), tried again
// later (retry, doubling the wait), waiting on its paused channel (pending), skipped, or — after an error inside
// the notifier — tried again only if the channel never got it.
import type { Executor } from '../../../store/db.js';
import type { ChannelHealth } from './channel-health.js';
import type * as healthRepo from './channel-health-repo.js';
import * as outboxRepo from './delivery-outbox-repo.js';
import type { NotifierMetrics } from './notifier-metrics.js';
import type * as configRepo from './notify-config-repo.js';

export interface DeliveryEndingsDeps {
  db: Executor;
  serverId: string;
  now: () => Date;
  /** First retry after this long, doubled each time. */
  retryBaseMs: number;
  /** The longest wait between retries. */
  retryMaxMs: number;
  /** A delivery not sent this long after its alert change is given up (dead). */
  maxAgeMs: number;
  metrics: NotifierMetrics;
  health: ChannelHealth;
  log: {
    warn(o: object, msg: string): void;
    error(o: object, msg: string): void;
  };
}

export function createDeliveryEndings(d: DeliveryEndingsDeps) {
  const { db, now, metrics, health } = d;
  /** Too old to send: given up. */
  const tooOld = (row: outboxRepo.DeliveryRow) => now().getTime() - row.createdAt.getTime() >= d.maxAgeMs;
  const retryAt = (attempts: number) =>
    new Date(now().getTime() + Math.min(d.retryBaseMs * 2 ** Math.max(0, attempts - 1), d.retryMaxMs));

  /** How a delivery that ends before or after its channel gets it is written down. */
  function endings(row: outboxRepo.DeliveryRow, probe: boolean) {
    /** This attempt's number; it counts once the delivery is marked `sending` or ends before that. */
    const attempts = row.attempts + 1;
    return {
      async fail(reason: string, retryable: boolean) {
        const last = !retryable || tooOld(row);
        await outboxRepo.finishDelivery(db, row.id, d.serverId, {
          status: last ? 'dead' : 'retry',
          attempts,
          lastError: reason,
          nextAttemptAt: retryAt(attempts),
        });
        metrics.ended(last ? 'dead' : 'retry');
        if (last) d.log.warn({ delivery: row.id, reason }, 'notification not delivered: dead letter');
      },
      /** The channel failed as a whole: the delivery waits, pending, and the channel pauses. */
      async pause(
        channel: configRepo.ChannelRow,
        cause: healthRepo.PauseCause,
        reason: string,
        attempted: boolean,
      ) {
        await outboxRepo.finishDelivery(db, row.id, d.serverId, {
          status: 'pending',
          claimedBy: null,
          claimedAt: null,
          ...(attempted ? { attempts } : {}),
          lastError: `waiting: channel ${channel.name} is paused (${reason})`,
        });
        metrics.ended('paused');
        await health.failed(channel, cause, reason, probe);
      },
      async skip(reason: string) {
        await outboxRepo.finishDelivery(db, row.id, d.serverId, { status: 'skipped', lastError: reason });
        metrics.ended('skipped');
      },
    };
  }

  /** The delivery failed inside the notifier: another try before it reached the channel, never after. */
  async function internalError(row: outboxRepo.DeliveryRow, err: unknown) {
    d.log.error({ delivery: row.id, err }, 'notification delivery failed');
    const attempts = row.attempts + 1;
    await outboxRepo
      .finishDelivery(
        db,
        row.id,
        d.serverId,
        tooOld(row)
          ? { status: 'dead', attempts, lastError: 'internal error, at every attempt' }
          : {
              status: 'retry',
              attempts,
              lastError: 'internal error: will retry',
              nextAttemptAt: retryAt(attempts),
            },
        ['claimed'],
      )
      .catch(() => undefined);
    await outboxRepo
      .finishDelivery(
        db,
        row.id,
        d.serverId,
        {
          status: 'unknown',
          lastError: 'internal error after it was handed to the channel: not sent again',
        },
        ['sending'],
      )
      .catch(() => undefined);
  }

  return { endings, internalError };
}
