// Sending deliveries again after an outage: dead letters, and — only when asked — those whose outcome is
// unknown (they may have gone out). Never one that was sent, or one still on its way.
import { and, asc, eq, gte, inArray, lte } from 'drizzle-orm';
import type { z } from 'zod';
import { RESEND_MAX, type resendBody } from '../../../contract/notify-api.js';
import type { Db } from '../../../store/db.js';
import { notificationDeliveries } from '../../../store/schema.js';
import { AppError } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import type { DeliveryRow } from './delivery-outbox-repo.js';

type ResendRequest = z.output<typeof resendBody>;

const whyNot: Record<string, string> = {
  sent: 'it was sent',
  pending: 'it is still waiting to be sent',
  retry: 'it is still waiting to be sent',
  claimed: 'it is being sent',
  sending: 'it is being sent',
  skipped: 'it was skipped on purpose (see lastError)',
  unknown: 'it may have been sent already: send it again with force',
};

export function createResendService({ db, now = () => new Date() }: { db: Db; now?: () => Date }) {
  return {
    async resend(p: Principal, r: ResendRequest) {
      const chosen = (await db
        .select()
        .from(notificationDeliveries)
        .where(
          and(
            r.ids ? inArray(notificationDeliveries.id, r.ids) : undefined,
            r.status ? eq(notificationDeliveries.status, r.status) : undefined,
            r.channelId ? eq(notificationDeliveries.channelId, r.channelId) : undefined,
            r.since ? gte(notificationDeliveries.createdAt, new Date(r.since)) : undefined,
            r.until ? lte(notificationDeliveries.createdAt, new Date(r.until)) : undefined,
          ),
        )
        .orderBy(asc(notificationDeliveries.createdAt), asc(notificationDeliveries.id))
        .limit(RESEND_MAX + 1)) as DeliveryRow[];
      if (chosen.length > RESEND_MAX)
        throw new AppError(
          'VALIDATION_FAILED',
          `More than ${RESEND_MAX} deliveries match: narrow them with channelId, since or until.`,
          [{ path: 'body', message: `matches more than ${RESEND_MAX} deliveries` }],
        );
      const again = new Set(r.force ? ['dead', 'unknown'] : ['dead']);
      const eligible = chosen.filter((d) => again.has(d.status));
      const refused = chosen
        .filter((d) => !again.has(d.status))
        .map((d) => ({ id: d.id, status: d.status, reason: whyNot[d.status] ?? `it is ${d.status}` }));
      if (r.dryRun || !eligible.length) return { matched: chosen.length, eligible, resent: [], refused };
      const at = now();
      const resent = await db.transaction(async (tx) => {
        // Only rows still in a status that may be sent again: a concurrent change wins.
        const rows = (await tx
          .update(notificationDeliveries)
          .set({
            status: 'pending',
            attempts: 0,
            nextAttemptAt: at,
            claimedBy: null,
            claimedAt: null,
            lastError: null,
          })
          .where(
            and(
              inArray(
                notificationDeliveries.id,
                eligible.map((d) => d.id),
              ),
              inArray(notificationDeliveries.status, [...again]),
            ),
          )
          .returning()) as DeliveryRow[];
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'notification.resend',
          target: rows.length === 1 ? rows[0]!.id : null,
          details: {
            count: rows.length,
            force: r.force,
            filter: {
              ...(r.ids ? { ids: r.ids.length } : {}),
              ...(r.status ? { status: r.status } : {}),
              ...(r.channelId ? { channelId: r.channelId } : {}),
              ...(r.since ? { since: r.since } : {}),
              ...(r.until ? { until: r.until } : {}),
            },
            deliveries: rows.slice(0, 100).map((d) => d.id),
          },
        });
        return rows;
      });
      return { matched: chosen.length, eligible, resent, refused };
    },
  };
}
