// The accounts channels sign in with (R35–R37): the channel's profile resolved for the Alert Notification
// Subscription Server, opened on the Notifications Resource Pool — or, when it is not distributed there,
// nothing, and one Credentials Not Found alert until a send with it succeeds (R36).
import { builtInPoolIds, SUBSCRIPTION_SERVER_OBJECT } from '../../../contract/inventory.js';
import type { ChannelDriver } from '../../../notify/channel-driver.js';
import type { ChannelCredential } from '../../../notify/channels/transport.js';
import type { AlertsService } from '../alerts/alerts-service.js';
import type { ResolutionService } from '../resolution/resolution-service.js';
import type { PoolCredentials } from '../runtime/pool-credentials.js';
import type { ChannelRow } from './notify-config-repo.js';

export const NOTIFICATION_POOL = builtInPoolIds.notifications;
export const NOTIFICATION_PROFILE = 'Steward.NotificationAccount';

export interface NotifierAccountsDeps {
  alerts: Pick<AlertsService, 'raise' | 'resolveByKey' | 'openByKey'>;
  resolution: Pick<ResolutionService, 'latest'>;
  credentials: Pick<PoolCredentials, 'open'>;
  log: { warn(o: object, msg: string): void };
}

export type CredentialOutcome =
  | { kind: 'ok'; credential: ChannelCredential | undefined; accountId?: string }
  | { kind: 'missing'; reason: string; accountId?: string };

// Its own key: the health watchers own `credentials-not-found:…` and close what agents no longer report.
const cnfKey = (accountId: string) => `notifier-credentials-not-found:${NOTIFICATION_POOL}:${accountId}`;

export type NotifierAccounts = ReturnType<typeof createNotifierAccounts>;

export function createNotifierAccounts(d: NotifierAccountsDeps) {
  /** Opened credentials by account and version, kept in memory while this server holds the pool. */
  const opened = new Map<string, ChannelCredential>();
  /** Accounts known to have no open Credentials Not Found alert of the notifier: sending resolves no more. */
  const cnfClear = new Set<string>();

  return {
    /** The account the channel signs in with: its profile resolved for the subscription server on the pool. */
    async credentialFor(
      channel: ChannelRow,
      driver: ChannelDriver,
      settings: Record<string, unknown>,
    ): Promise<CredentialOutcome> {
      if (!driver.needsAccount(settings)) return { kind: 'ok', credential: undefined };
      const profileId = channel.profileId ?? NOTIFICATION_PROFILE;
      // The resolution as last caught up (each write, and every second): no query of its own per send.
      const engine = await d.resolution.latest();
      let r: ReturnType<typeof engine.resolveProfile>;
      try {
        r = engine.resolveProfile(profileId, SUBSCRIPTION_SERVER_OBJECT);
      } catch {
        return { kind: 'missing', reason: `the notification subscription server object is missing` };
      }
      if (r.kind === 'default-action-account')
        return { kind: 'missing', reason: `no Run As account is associated with profile ${profileId} (R35)` };
      const notOnPool = {
        kind: 'missing',
        accountId: r.accountId,
        reason: `the account of profile ${profileId} is not distributed to the Notifications Resource Pool (R36)`,
      } as const;
      if (r.kind === 'not-distributed') return notOnPool;
      const version = engine.accountsFor(NOTIFICATION_POOL).find((a) => a.id === r.accountId)?.version;
      const key = `${r.accountId}@${version}`;
      let credential = opened.get(key);
      if (!credential && version !== undefined) {
        credential = (await d.credentials.open(NOTIFICATION_POOL, [{ id: r.accountId, version }]))[0];
        if (credential) opened.set(key, credential);
      }
      if (!credential) return notOnPool;
      return { kind: 'ok', credential, accountId: r.accountId };
    },

    /** Raised once while it stays open — every delivery that finds the account missing would repeat it. */
    async missing(accountId: string, channelName: string, reason: string) {
      cnfClear.delete(accountId);
      if (await d.alerts.openByKey(cnfKey(accountId))) return;
      d.log.warn({ account: accountId, channel: channelName }, `notifications not sent: ${reason}`);
      await d.alerts.raise('system', {
        name: 'Health Service Credentials Not Found',
        description: `${reason}: notifications through channel ${channelName} are not sent.`,
        severity: 'critical',
        priority: 'high',
        sourceObjectId: NOTIFICATION_POOL,
        sourceKind: 'steward',
        custom: { '1': accountId },
        dedupeKey: cnfKey(accountId),
      });
    },

    /** A send with the account succeeded: its Credentials Not Found alert, if any, is resolved. */
    async found(accountId: string) {
      if (cnfClear.has(accountId)) return;
      await d.alerts.resolveByKey('system', cnfKey(accountId));
      cnfClear.add(accountId);
    },

    /** The pool moved away, or the server stops: opened credentials are forgotten. */
    forget() {
      opened.clear();
      cnfClear.clear();
    },
  };
}
