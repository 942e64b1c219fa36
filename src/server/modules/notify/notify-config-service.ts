// Notification configuration: channels (administrators, R34: channels-service.ts), subscribers and subscriptions
// (authors and operators too: subscribers-service.ts, subscriptions-service.ts), and the delivery list. Every
// change is audited; a channel's settings never hold a secret.
import type { z } from 'zod';
import type { deliveryListQuery } from '../../../contract/notify-api.js';
import { type ChannelsServiceDeps, createChannelsService } from './channels-service.js';
import * as outboxRepo from './delivery-outbox-repo.js';
import { createSubscribersService } from './subscribers-service.js';
import { createSubscriptionsService } from './subscriptions-service.js';

/** What the channels need: the database, the channel drivers and the resolution engine. */
export type NotifyConfigDeps = ChannelsServiceDeps;

export type NotifyConfigService = ReturnType<typeof createNotifyConfigService>;

export function createNotifyConfigService({ db, drivers, resolution }: NotifyConfigDeps) {
  return {
    ...createChannelsService({ db, drivers, resolution }),
    ...createSubscribersService({ db }),
    ...createSubscriptionsService({ db }),
    listDeliveries: (q: z.infer<typeof deliveryListQuery>) =>
      outboxRepo.listDeliveries(db, {
        status: q.status,
        alertId: q.alert,
        subscriptionId: q.subscription,
        limit: q.limit,
      }),
  };
}
