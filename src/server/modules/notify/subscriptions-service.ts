// Notification subscriptions (authors and operators too, within their scope, R34): their recipients, channels and
// criteria checked to exist and to reach someone; a change of what one asks forgets what it remembers of alerts
// (R45); every change audited.

import type { z } from 'zod';
import { newId } from '../../../contract/ids.js';
import type { subscriptionBody, subscriptionPatchBody } from '../../../contract/notify-api.js';
import type { Db, Executor } from '../../../store/db.js';
import { invalid, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import { findGroup } from '../inventory/groups-repo.js';
import { loadClassTree } from '../inventory/inventory-shared.js';
import * as matchStatesRepo from './match-states-repo.js';
import { mayChange, uniqueOr } from './notify-config-checks.js';
import * as configRepo from './notify-config-repo.js';

export function createSubscriptionsService({ db }: { db: Db }) {
  async function checkRecipients(tx: Executor, ids: { to?: string[]; cc?: string[]; bcc?: string[] }) {
    for (const role of ['to', 'cc', 'bcc'] as const) {
      const list = ids[role];
      if (!list?.length) continue;
      const found = new Set((await configRepo.findSubscribers(tx, list)).map((s) => s.id));
      const missing = list.find((id) => !found.has(id));
      if (missing) throw invalid(`body.${role}`, `no subscriber '${missing}'`);
    }
  }

  async function checkChannels(tx: Executor, ids: string[] | undefined) {
    if (!ids) return;
    const found = new Set((await configRepo.findChannels(tx, ids)).map((c) => c.id));
    const missing = ids.find((id) => !found.has(id));
    if (missing) throw invalid('body.channelIds', `no channel '${missing}'`);
  }

  /** A channel none of the recipients has an address for would never send anything: said now, not never. */
  async function checkReach(tx: Executor, recipients: string[], channelIds: string[]) {
    const kinds = new Set(
      (await configRepo.findSubscribers(tx, recipients)).flatMap((s) =>
        (s.addresses as { kind: string }[]).map((a) => a.kind),
      ),
    );
    for (const c of await configRepo.findChannels(tx, channelIds))
      if (!kinds.has(c.kind))
        throw invalid(
          'body.channelIds',
          `channel '${c.name}' sends ${c.kind} messages, and no subscriber of the subscription has a ${c.kind} address`,
        );
  }

  async function checkCriteria(tx: Executor, criteria: Record<string, unknown> | undefined) {
    if (!criteria) return;
    const classIds = (criteria.classIds as string[] | undefined) ?? [];
    if (classIds.length) {
      const tree = await loadClassTree(tx);
      const bad = classIds.find((c) => !tree.has(c));
      if (bad) throw invalid('body.criteria.classIds', `no class '${bad}'`);
    }
    const groupIds = (criteria.groupIds as string[] | undefined) ?? [];
    if (groupIds.length) {
      for (const g of groupIds)
        if (!(await findGroup(tx, g))) throw invalid('body.criteria.groupIds', `no group '${g}'`);
    }
  }

  return {
    listSubscriptions: () => configRepo.listSubscriptions(db),
    async getSubscription(id: string) {
      const row = await configRepo.findSubscription(db, id);
      if (!row) throw notFound('Subscription', id);
      return row;
    },
    async createSubscription(p: Principal, input: z.infer<typeof subscriptionBody>) {
      return uniqueOr('subscription', input.name, () =>
        db.transaction(async (tx) => {
          await checkRecipients(tx, input);
          await checkChannels(tx, input.channelIds);
          await checkReach(tx, [...input.to, ...input.cc, ...input.bcc], input.channelIds);
          await checkCriteria(tx, input.criteria as Record<string, unknown>);
          const row = await configRepo.insertSubscription(tx, {
            id: newId('subscription'),
            name: input.name,
            description: input.description ?? '',
            enabled: input.enabled,
            criteria: input.criteria as Record<string, unknown>,
            recipients: { to: input.to, cc: input.cc, bcc: input.bcc },
            channelIds: input.channelIds,
            delaySeconds: input.delaySeconds,
            onlyOnResolutionChange: input.onlyOnResolutionChange,
            createdBy: p.userId,
          });
          await appendAudit(tx, {
            actor: actorOf(p),
            kind: 'subscription.create',
            target: row.id,
            details: { name: row.name, channels: row.channelIds, enabled: row.enabled },
          });
          return row;
        }),
      );
    },
    async updateSubscription(p: Principal, id: string, patch: z.infer<typeof subscriptionPatchBody>) {
      const row = await this.getSubscription(id);
      mayChange(p, 'Subscription', row);
      return uniqueOr('subscription', patch.name, () =>
        db.transaction(async (tx) => {
          await checkRecipients(tx, patch);
          await checkChannels(tx, patch.channelIds);
          if (patch.to || patch.cc || patch.bcc || patch.channelIds)
            await checkReach(
              tx,
              [
                ...(patch.to ?? row.recipients.to),
                ...(patch.cc ?? row.recipients.cc),
                ...(patch.bcc ?? row.recipients.bcc),
              ],
              patch.channelIds ?? row.channelIds,
            );
          await checkCriteria(tx, patch.criteria as Record<string, unknown> | undefined);
          const { to, cc, bcc, criteria, ...rest } = patch;
          const next = await configRepo.updateSubscription(tx, id, {
            ...rest,
            ...(criteria ? { criteria: criteria as Record<string, unknown> } : {}),
            ...(to || cc || bcc
              ? {
                  recipients: {
                    to: to ?? row.recipients.to,
                    cc: cc ?? row.recipients.cc,
                    bcc: bcc ?? row.recipients.bcc,
                  },
                }
              : {}),
          });
          // An alert matching since before, or a delay under way, belongs to what the subscription asked then (R45).
          if (
            patch.enabled === false ||
            criteria !== undefined ||
            patch.delaySeconds !== undefined ||
            patch.onlyOnResolutionChange !== undefined
          )
            await matchStatesRepo.forgetMatchStates(tx, id);
          await appendAudit(tx, {
            actor: actorOf(p),
            kind: 'subscription.update',
            target: id,
            details: { changed: Object.keys(patch).sort() },
          });
          return next!;
        }),
      );
    },
    async deleteSubscription(p: Principal, id: string) {
      const row = await this.getSubscription(id);
      mayChange(p, 'Subscription', row);
      await db.transaction(async (tx) => {
        await configRepo.deleteSubscription(tx, id);
        await matchStatesRepo.forgetMatchStates(tx, id);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'subscription.delete',
          target: id,
          details: { name: row.name },
        });
      });
    },
  };
}
