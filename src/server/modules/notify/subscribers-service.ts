// Notification subscribers (authors and operators too, within their scope, R34): who is notified, when and at which
// addresses — an https address sent back in its shown form keeps the stored one (shown-address.ts); a subscriber a
// subscription uses is not deleted; every change audited.

import type { z } from 'zod';
import { newId } from '../../../contract/ids.js';
import type { subscriberBody, subscriberPatchBody } from '../../../contract/notify-api.js';
import type { Db } from '../../../store/db.js';
import { notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import { inUse, mayChange, uniqueOr } from './notify-config-checks.js';
import * as configRepo from './notify-config-repo.js';
import { withStoredAddresses } from './shown-address.js';

export function createSubscribersService({ db }: { db: Db }) {
  return {
    listSubscribers: () => configRepo.listSubscribers(db),
    async getSubscriber(id: string) {
      const row = await configRepo.findSubscriber(db, id);
      if (!row) throw notFound('Subscriber', id);
      return row;
    },
    async createSubscriber(p: Principal, input: z.infer<typeof subscriberBody>) {
      return uniqueOr('subscriber', input.name, () =>
        db.transaction(async (tx) => {
          const row = await configRepo.insertSubscriber(tx, {
            id: newId('subscriber'),
            name: input.name,
            schedule: input.schedule,
            addresses: input.addresses,
            createdBy: p.userId,
          });
          await appendAudit(tx, {
            actor: actorOf(p),
            kind: 'subscriber.create',
            target: row.id,
            details: { name: row.name, addresses: input.addresses.length },
          });
          return row;
        }),
      );
    },
    async updateSubscriber(p: Principal, id: string, patch: z.infer<typeof subscriberPatchBody>) {
      const row = await this.getSubscriber(id);
      mayChange(p, 'Subscriber', row);
      const addresses =
        patch.addresses &&
        withStoredAddresses(patch.addresses, row.addresses as { kind: string; address: string }[]);
      return uniqueOr('subscriber', patch.name, () =>
        db.transaction(async (tx) => {
          const next = await configRepo.updateSubscriber(tx, id, addresses ? { ...patch, addresses } : patch);
          await appendAudit(tx, {
            actor: actorOf(p),
            kind: 'subscriber.update',
            target: id,
            details: { changed: Object.keys(patch).sort() },
          });
          return next!;
        }),
      );
    },
    async deleteSubscriber(p: Principal, id: string) {
      const row = await this.getSubscriber(id);
      mayChange(p, 'Subscriber', row);
      const users = await configRepo.subscriptionsUsing(db, { subscriberId: id });
      if (users.length) throw inUse('Subscriber', id, users);
      await db.transaction(async (tx) => {
        await configRepo.deleteSubscriber(tx, id);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'subscriber.delete',
          target: id,
          details: { name: row.name },
        });
      });
    },
  };
}
