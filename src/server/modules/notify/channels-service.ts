// Notification channels (administrators, R34): their settings checked against their kind's schema and never
// holding a secret, the account their profile resolves to checked against what the channel signs in with (R37,
// R38, R47), each listed with its health; every change audited.

import { newId } from '../../../contract/ids.js';
import { SUBSCRIPTION_SERVER_OBJECT } from '../../../contract/inventory.js';
import type { ChannelKind } from '../../../contract/notify-api.js';
import type { ChannelDriver } from '../../../notify/channel-driver.js';
import { accountOfType } from '../../../notify/channels/transport.js';
import type { Db, Executor } from '../../../store/db.js';
import { AppError, invalid, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { findAccount } from '../accounts/accounts-repo.js';
import { appendAudit } from '../audit/audit-repo.js';
import type { ResolutionService } from '../resolution/resolution-service.js';
import * as healthRepo from './channel-health-repo.js';
import { NOTIFICATION_PROFILE } from './notifier-accounts.js';
import { inUse, uniqueOr } from './notify-config-checks.js';
import * as configRepo from './notify-config-repo.js';

export interface ChannelInput {
  name: string;
  kind: ChannelKind;
  enabled?: boolean;
  profileId?: string | null;
  settings: Record<string, unknown>;
}

export interface ChannelsServiceDeps {
  db: Db;
  drivers: Record<ChannelKind, ChannelDriver>;
  resolution: Pick<ResolutionService, 'current'>;
}

const kindNames: Record<ChannelKind, string> = {
  email: 'An e-mail',
  im: 'An IM',
  sms: 'An SMS',
  teams: 'A Teams',
  command: 'A command',
};

export function createChannelsService({ db, drivers, resolution }: ChannelsServiceDeps) {
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

  return {
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
  };
}
