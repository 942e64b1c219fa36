// Run As account checks reported by agents (R29–R31, S17) become alerts on the health service: a check in
// warning or critical raises (or re-raises at a new severity) its alert, a healthy one resolves it. An agent
// may report only on accounts distributed to it; anything else is refused and audited.
import type { z } from 'zod';
import type {
  AccountCheck,
  AccountCheckKind,
  reportAccountChecksResponse,
} from '../../../contract/account-checks.js';
import type { Db } from '../../../store/db.js';
import { notFound } from '../../errors.js';
import { findAccount } from '../accounts/accounts-repo.js';
import { agentActor } from '../agents/agent-identity.js';
import type { AlertsService } from '../alerts/alerts-service.js';
import { appendAudit } from '../audit/audit-repo.js';
import type { ResolutionService } from '../resolution/resolution-service.js';

export const accountCheckAlertNames: Record<AccountCheckKind, string> = {
  logon: 'Run As Account Could Not Log On',
  'logon-type': 'Run As Account Does Not Have Requested Logon Type',
  expiry: 'Run As Account(s) Expiring Soon',
  'action-account-type': 'Default Action Account Has An Invalid Type',
};

const checkKey = (agentId: string, c: AccountCheck) => `account-check:${agentId}:${c.check}:${c.accountId}`;

export interface AccountChecksDeps {
  db: Db;
  alerts: Pick<AlertsService, 'raise' | 'resolveByKey' | 'openByKey'>;
  resolution: Pick<ResolutionService, 'latest'>;
}

export type AccountChecksService = ReturnType<typeof createAccountChecksService>;

export function createAccountChecksService({ db, alerts, resolution }: AccountChecksDeps) {
  return {
    async report(
      agentId: string,
      checks: AccountCheck[],
    ): Promise<z.infer<typeof reportAccountChecksResponse>> {
      const config = (await resolution.latest()).configOf(agentId);
      if (!config) throw notFound('Computer of agent', agentId);
      const mine = new Set(config.accounts.map((a) => a.id));
      const actor = agentActor(agentId);
      const refused: z.infer<typeof reportAccountChecksResponse>['refused'] = [];
      for (const [index, c] of checks.entries()) {
        if (!mine.has(c.accountId)) {
          refused.push({
            index,
            accountId: c.accountId,
            reason: 'the account is not distributed to this agent',
          });
          await db.transaction((tx) =>
            appendAudit(tx, {
              actor,
              kind: 'account-check.refused',
              target: c.accountId,
              details: { agent: agentId, check: c.check },
            }),
          );
          continue;
        }
        const key = checkKey(agentId, c);
        if (c.state === 'healthy') {
          await alerts.resolveByKey(actor, key);
          continue;
        }
        const open = await alerts.openByKey(key);
        if (open && open.severity === c.state) continue;
        const account = await findAccount(db, c.accountId);
        await alerts.raise(actor, {
          name: accountCheckAlertNames[c.check],
          description: `${account?.name ?? c.accountId} (${c.accountId}) on ${config.runnerId}: ${c.message}`,
          severity: c.state,
          priority: c.check === 'logon' || c.check === 'action-account-type' ? 'high' : 'medium',
          sourceObjectId: agentId,
          sourceKind: 'steward',
          custom: { '1': c.accountId },
          dedupeKey: key,
        });
      }
      return { accepted: checks.length - refused.length, refused };
    },
  };
}
