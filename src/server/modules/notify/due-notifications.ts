// Notifications held back by a subscription's delay whose time has come (R45): each decided again on the alert as
// its newest change left it, and queued in a transaction of its own; what a subscription turned off or deleted, or
// an alert gone, held back is forgotten.

import type { CriteriaContext } from '../../../domain/notify/criteria.js';
import type { Db } from '../../../store/db.js';
import { latestAlertSnapshot } from '../alerts/alert-snapshots-repo.js';
import * as alertsRepo from '../alerts/alerts-repo.js';
import type { ResolutionService } from '../resolution/resolution-service.js';
import { criteriaContextOf } from './criteria-context.js';
import * as matchStatesRepo from './match-states-repo.js';
import { notificationAlertOf } from './notification-alert.js';
import { decide, type Observed } from './notification-decision.js';
import { queueEffects } from './notification-queue.js';
import * as configRepo from './notify-config-repo.js';

export interface DueNotificationsDeps {
  db: Db;
  resolution: Pick<ResolutionService, 'current'>;
  now: () => Date;
}

/** Notifications held back by a delay whose time has come (R45), up to `limit`; answers how many were queued. */
export async function collectDueNotifications(d: DueNotificationsDeps, limit = 500): Promise<number> {
  const { db, now } = d;
  const due = await matchStatesRepo.dueMatchStates(db, now(), limit);
  let queued = 0;
  let ctx: CriteriaContext | undefined;
  for (const st of due) {
    const [sub, live, latest] = await Promise.all([
      configRepo.findSubscription(db, st.subscriptionId),
      alertsRepo.findAlert(db, st.alertId),
      latestAlertSnapshot(db, st.alertId),
    ]);
    // The wait folded every change into one notification: it shows the alert as the newest change left it.
    const alert = live && (latest?.alert ?? live);
    if (!sub?.enabled || !alert) {
      await matchStatesRepo.deleteMatchStates(db, [st.subscriptionId], st.alertId);
      continue;
    }
    ctx ??= await criteriaContextOf(d.resolution);
    const observed: Observed = {
      alert,
      na: await notificationAlertOf(db, alert),
      seq: st.pendingSeq ?? 0,
      alertSeq: latest?.changeSeq ?? null,
      change: 'unchanged',
      now: now(),
    };
    const e = decide(sub, st, observed, ctx);
    if (e)
      queued += await db.transaction((tx) => queueEffects(tx, [{ alertId: alert.id, effects: [e] }], now));
  }
  return queued;
}
