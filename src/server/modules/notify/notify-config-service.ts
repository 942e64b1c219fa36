// Notification configuration: channels (administrators, R34), subscribers and subscriptions (authors and
// operators too), and the delivery list. Every change is audited; a channel's settings never hold a secret.
import type { z } from 'zod';
import { newId } from '../../../contract/ids.js';
import { SUBSCRIPTION_SERVER_OBJECT } from '../../../contract/inventory.js';
import type {
  ChannelKind,
  deliveryListQuery,
  subscriberBody,
  subscriberPatchBody,
  subscriptionBody,
  subscriptionPatchBody,
} from '../../../contract/notify-api.js';
import type { ChannelDriver } from '../../../notify/channel-driver.js';
import { accountOfType } from '../../../notify/channels/transport.js';
import type { Db, Executor } from '../../../store/db.js';
import { AppError, invalid, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { findAccount } from '../accounts/accounts-repo.js';
import { appendAudit } from '../audit/audit-repo.js';
import { findGroup } from '../inventory/groups-repo.js';
import { exists, isUniqueViolation, listForMessage, loadClassTree } from '../inventory/inventory-shared.js';
import type { ResolutionService } from '../resolution/resolution-service.js';
import * as healthRepo from './channel-health-repo.js';
import * as outboxRepo from './delivery-outbox-repo.js';
import * as matchStatesRepo from './match-states-repo.js';
import { NOTIFICATION_PROFILE } from './notifier-accounts.js';
import * as configRepo from './notify-config-repo.js';
import { withStoredAddresses } from './shown-address.js';

export interface ChannelInput {
  name: string;
  kind: ChannelKind;
  enabled?: boolean;
  profileId?: string | null;
  settings: Record<string, unknown>;
}

export interface NotifyConfigDeps {
  db: Db;
  drivers: Record<ChannelKind, ChannelDriver>;
  resolution: Pick<ResolutionService, 'current'>;
}

export type NotifyConfigService = ReturnType<typeof createNotifyConfigService>;

const kindNames: Record<ChannelKind, string> = {
  email: 'An e-mail',
  im: 'An IM',
  sms: 'An SMS',
  teams: 'A Teams',
  command: 'A command',
};

const duplicate = (what: string, name: string) =>
  exists('body.name', `A ${what} named '${name}' exists already.`);

/**
 * R34: authors and operators manage subscribers and subscriptions within their scope — the ones they made;
 * administrators manage all of them. What was made before owners were kept belongs to administrators.
 */
function mayChange(p: Principal, what: string, row: { id: string; name: string; createdBy: string | null }) {
  if (p.role === 'administrator' || (row.createdBy !== null && row.createdBy === p.userId)) return;
  throw new AppError(
    'FORBIDDEN',
    `${what} '${row.name}' (${row.id}) was made by someone else: only they or an administrator may change or delete it (R34).`,
  );
}

function inUse(what: string, id: string, subs: configRepo.SubscriptionRow[]) {
  return new AppError(
    'IN_USE',
    `${what} '${id}' is used by subscription(s) ${listForMessage(subs.map((s) => s.name))}: change them first.`,
  );
}

export function createNotifyConfigService({ db, drivers, resolution }: NotifyConfigDeps) {
  /** The kind's settings, completed with their defaults; problems name `body.settings.<field>`. */
  function checkSettings(kind: ChannelKind, settings: Record<string, unknown>) {
    const r = drivers[kind].settingsSchema.safeParse(settings);
    if (r.success) return r.data as Record<string, unknown>;
    const issues = r.error.issues.map((i) => ({
      path: ['body', 'settings', ...i.path.map(String)].join('.'),
      message: i.message,
    }));
    throw new AppError('VALIDATION_FAILED', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
  }

  /**
   * The account the channel's profile resolves to now, when the channel signs in: it must be of a type the
   * channel signs in with (R37, R47), and an external mail channel must send from its mailbox (R38). A profile
   * with no account yet is not checked: its deliveries say so while it has none.
   */
  async function checkAccount(
    kind: ChannelKind,
    settings: Record<string, unknown>,
    profileId: string | null,
  ) {
    const driver = drivers[kind];
    if (!driver.needsAccount(settings)) return;
    const profile = profileId ?? NOTIFICATION_PROFILE;
    const engine = await resolution.current();
    let r: ReturnType<typeof engine.resolveProfile> | undefined;
    try {
      r = engine.resolveProfile(profile, SUBSCRIPTION_SERVER_OBJECT);
    } catch {
      return;
    }
    if (r.kind === 'default-action-account') return;
    const account = await findAccount(db, r.accountId);
    if (!account) return;
    const types = driver.accountTypes(settings);
    if (!(types as readonly string[]).includes(account.type)) {
      const wanted = accountOfType(types);
      throw new AppError(
        'RULE_VIOLATION',
        `${kindNames[kind]} channel${kind === 'email' && settings.external === true ? ' for external mail' : ''} signs in with ${wanted}, and profile ${profile} resolves to '${account.name}' of type ${account.type}: choose another profile or associate such an account with it.`,
        [{ path: 'body.profileId', message: `must resolve to ${wanted}, not ${account.type}` }],
      );
    }
    const user = account.publicFields.userName;
    if (
      kind === 'email' &&
      settings.external === true &&
      typeof user === 'string' &&
      user.toLowerCase() !== String(settings.from).toLowerCase()
    )
      throw new AppError(
        'RULE_VIOLATION',
        `An external mail channel must send from the mailbox of its account (${user}), not ${String(settings.from)} (R38).`,
        [{ path: 'body.settings.from', message: `must be ${user}, the mailbox of the channel's account` }],
      );
  }

  async function checkProfile(tx: Executor, profileId: string | null | undefined) {
    if (profileId && !(await configRepo.profileExists(tx, profileId)))
      throw invalid('body.profileId', `no Run As profile '${profileId}'`);
  }

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

  const uniqueOr = async <T>(what: string, name: string | undefined, fn: () => Promise<T>) => {
    try {
      return await fn();
    } catch (err) {
      if (name && isUniqueViolation(err)) throw duplicate(what, name);
      throw err;
    }
  };

  return {
    // ---------------------------------------------------------------- channels
    /** The channels, each with its health: paused ones carry why and when they are tried again. */
    async listChannels() {
      const [rows, paused] = await Promise.all([configRepo.listChannels(db), healthRepo.listPaused(db)]);
      const health = new Map(paused.map((p) => [p.channelId, p]));
      return rows.map((r) => ({ ...r, health: health.get(r.id) }));
    },
    async getChannel(id: string) {
      const [row, health] = await Promise.all([
        configRepo.findChannel(db, id),
        healthRepo.findPaused(db, id),
      ]);
      if (!row) throw notFound('Channel', id);
      return { ...row, health };
    },
    async createChannel(p: Principal, input: ChannelInput) {
      const settings = checkSettings(input.kind, input.settings);
      const needsAccount = drivers[input.kind].needsAccount(settings);
      const profileId =
        input.profileId === undefined ? (needsAccount ? NOTIFICATION_PROFILE : null) : input.profileId;
      await checkAccount(input.kind, settings, profileId);
      return uniqueOr('channel', input.name, () =>
        db.transaction(async (tx) => {
          await checkProfile(tx, profileId);
          const row = await configRepo.insertChannel(tx, {
            id: newId('channel'),
            name: input.name,
            kind: input.kind,
            enabled: input.enabled ?? true,
            settings,
            profileId,
          });
          await appendAudit(tx, {
            actor: actorOf(p),
            kind: 'channel.create',
            target: row.id,
            details: { name: row.name, kind: row.kind, profileId, enabled: row.enabled },
          });
          return row;
        }),
      );
    },
    async updateChannel(
      p: Principal,
      id: string,
      patch: {
        name?: string;
        enabled?: boolean;
        profileId?: string | null;
        settings?: Record<string, unknown>;
      },
    ) {
      const row = await this.getChannel(id);
      const kind = row.kind as ChannelKind;
      const settings = patch.settings ? checkSettings(kind, patch.settings) : row.settings;
      // A channel whose new settings sign in, and that had no profile, takes the Notification Account's.
      const signsInNow = patch.settings !== undefined && drivers[kind].needsAccount(settings);
      const profileId =
        patch.profileId !== undefined
          ? patch.profileId
          : (row.profileId ?? (signsInNow ? NOTIFICATION_PROFILE : null));
      // Renaming or disabling is never refused: only new settings or a new profile are checked again.
      if (patch.settings !== undefined || patch.profileId !== undefined)
        await checkAccount(kind, settings, profileId);
      return uniqueOr('channel', patch.name, () =>
        db.transaction(async (tx) => {
          await checkProfile(tx, profileId);
          const next = await configRepo.updateChannel(tx, id, {
            ...(patch.name !== undefined ? { name: patch.name } : {}),
            ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
            ...(patch.settings ? { settings } : {}),
            profileId,
          });
          await appendAudit(tx, {
            actor: actorOf(p),
            kind: 'channel.update',
            target: id,
            details: { changed: Object.keys(patch).sort() },
          });
          return next!;
        }),
      );
    },
    async deleteChannel(p: Principal, id: string) {
      const row = await this.getChannel(id);
      const users = await configRepo.subscriptionsUsing(db, { channelId: id });
      if (users.length) throw inUse('Channel', id, users);
      await db.transaction(async (tx) => {
        await configRepo.deleteChannel(tx, id);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'channel.delete',
          target: id,
          details: { name: row.name },
        });
      });
    },

    // ---------------------------------------------------------------- subscribers
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

    // ---------------------------------------------------------------- subscriptions
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

    // ---------------------------------------------------------------- deliveries
    listDeliveries: (q: z.infer<typeof deliveryListQuery>) =>
      outboxRepo.listDeliveries(db, {
        status: q.status,
        alertId: q.alert,
        subscriptionId: q.subscription,
        limit: q.limit,
      }),
  };
}
