// The management server's own default action account gets the checks an agent makes on its default action
// account (R29–R32, S17): its type, whether it is distributed to this server (pool work runs as it only then),
// and, for a type logged on locally, logon, logon type and expiry on this server. Failing checks raise their
// alert on the server's health service; healthy ones resolve it.
import {
  type CheckDeps,
  checkAccount,
  checkActionAccount,
  systemUsers,
} from '../../../agent/account-checks.js';
import type { AccountCheck } from '../../../contract/account-checks.js';
import type { Db } from '../../../store/db.js';
import { findAccount } from '../accounts/accounts-repo.js';
import type { AccountsService } from '../accounts/accounts-service.js';
import { openKeysWithPrefix } from '../alerts/alerts-repo.js';
import type { AlertsService } from '../alerts/alerts-service.js';
import type { ResolutionService } from '../resolution/resolution-service.js';
import { accountCheckAlertNames } from '../results/account-checks-service.js';
import { findServer } from '../servers/servers-repo.js';

export const NOT_DISTRIBUTED_ALERT = 'Default Action Account Not Distributed';

/** The checks of a server: those an agent makes, and whether the account is distributed to the server. */
export type ServerAccountCheck = Omit<AccountCheck, 'check'> & {
  check: AccountCheck['check'] | 'distribution';
};

export interface ServerAccountChecksDeps {
  db: Db;
  serverId: string;
  alerts: Pick<AlertsService, 'raise' | 'resolveByKey' | 'openByKey'>;
  resolution: Pick<ResolutionService, 'current'>;
  accounts: Pick<AccountsService, 'openSecret'>;
  /** How users are looked up on this server; the system's own by default. */
  users?: Pick<CheckDeps, 'passwd' | 'shadow' | 'passwordAccepted' | 'authorizedKeys'>;
  warningDays?: number;
  now?: () => Date;
}

const prefixOf = (serverId: string) => `account-check:${serverId}:`;
const keyOf = (serverId: string, c: ServerAccountCheck) => `${prefixOf(serverId)}${c.check}:${c.accountId}`;

/**
 * Resolves the open check alerts a server has for any account other than `keep` (its action account now, or
 * none): they were raised for an action account the server no longer has. Returns the keys resolved.
 */
export async function resolveAlertsOfFormerAccounts(
  d: { db: Db; alerts: Pick<AlertsService, 'resolveByKey'> },
  actor: string,
  serverId: string,
  keep: string | null,
): Promise<string[]> {
  const former = (await openKeysWithPrefix(d.db, prefixOf(serverId))).filter(
    (key) => keep === null || !key.endsWith(`:${keep}`),
  );
  for (const key of former) await d.alerts.resolveByKey(actor, key);
  return former;
}

export function createServerAccountChecks(d: ServerAccountChecksDeps) {
  const actor = `server:${d.serverId}`;

  async function checksOf(accountId: string): Promise<ServerAccountCheck[]> {
    const account = await findAccount(d.db, accountId);
    if (!account) return [];
    const out: ServerAccountCheck[] = [];
    const typeCheck = checkActionAccount({
      accountId,
      version: account.version,
      name: account.name,
      type: account.type,
      publicFields: {},
      secret: {},
    });
    out.push(typeCheck);
    const engine = await d.resolution.current();
    const here = engine.accountsFor(d.serverId).some((a) => a.id === accountId);
    out.push({
      accountId,
      check: 'distribution',
      state: here ? 'healthy' : 'critical',
      message: here
        ? 'the account is distributed to this management server'
        : 'the account is not distributed to this management server: its pool work does not run as it (distribute it to the server)',
    });
    if (here && typeCheck.state === 'healthy') {
      const secret = await d.accounts.openSecret(accountId, account.version);
      out.push(
        ...(await checkAccount(
          {
            accountId,
            version: account.version,
            name: account.name,
            type: account.type,
            publicFields: account.publicFields as Record<string, unknown>,
            secret: secret as Record<string, unknown>,
          },
          { ...(d.users ?? systemUsers), now: d.now?.() ?? new Date(), warningDays: d.warningDays ?? 14 },
        )),
      );
    }
    return out;
  }

  return {
    /** Makes the checks and raises, escalates or resolves their alerts; returns the checks made. */
    async run(): Promise<ServerAccountCheck[]> {
      const server = await findServer(d.db, d.serverId);
      const accountId = server?.defaultActionAccountId ?? null;
      if (!server) return [];
      await resolveAlertsOfFormerAccounts(d, actor, d.serverId, accountId);
      if (!accountId) return [];
      const checks = await checksOf(accountId);
      const account = await findAccount(d.db, accountId);
      for (const c of checks) {
        const key = keyOf(d.serverId, c);
        if (c.state === 'healthy') {
          await d.alerts.resolveByKey(actor, key);
          continue;
        }
        const open = await d.alerts.openByKey(key);
        if (open && open.severity === c.state) continue;
        await d.alerts.raise(actor, {
          name: c.check === 'distribution' ? NOT_DISTRIBUTED_ALERT : accountCheckAlertNames[c.check],
          description: `${account?.name ?? accountId} (${accountId}), default action account of management server ${server.name}: ${c.message}`,
          severity: c.state,
          priority: c.check === 'expiry' || c.check === 'logon-type' ? 'medium' : 'high',
          sourceObjectId: d.serverId,
          sourceKind: 'steward',
          custom: { '1': accountId },
          dedupeKey: key,
        });
      }
      return checks;
    },
  };
}
