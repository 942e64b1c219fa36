// Automation accounts as policies see them (domain/policy): identity type, local authentication and the legacy
// Run As account, read through the caller's executor so a transaction sees its own changes.
import type { AutomationAccountResource } from '../../../domain/policy/policy-definition.js';
import { scopePath } from '../../../domain/resource-roles.js';
import type { Executor } from '../../../store/db.js';
import type { AutomationAccountRow } from '../automation/automation-repo.js';
import * as automationRepo from '../automation/automation-repo.js';
import { identityTypeOf } from '../identity/identities-service.js';
import { attachedTo } from '../identity/identity-repo.js';
import { findRunAs, listRunAs } from '../runas/runas-repo.js';

function resourceOf(
  row: AutomationAccountRow,
  uamis: number,
  runAs: { createdAt: Date; renewedAt: Date | null } | undefined,
): AutomationAccountResource {
  return {
    type: 'automationAccount',
    id: row.id,
    name: row.name,
    scope: scopePath({ kind: 'automationAccount', accountId: row.id }),
    identityType: identityTypeOf(row, uamis),
    disableLocalAuth: row.disableLocalAuth,
    runAs: runAs ? { createdAt: runAs.createdAt, renewedAt: runAs.renewedAt } : null,
  };
}

/** One automation account as a policy resource; undefined when it does not exist. */
export async function accountResource(
  db: Executor,
  accountId: string,
): Promise<AutomationAccountResource | undefined> {
  const row = await automationRepo.findAccount(db, accountId);
  if (!row) return undefined;
  const uamis = (await attachedTo(db, [row.id])).get(row.id)?.length ?? 0;
  return resourceOf(row, uamis, await findRunAs(db, row.id));
}

/** Every automation account as a policy resource, by name. */
export async function accountResources(db: Executor): Promise<AutomationAccountResource[]> {
  const rows = await automationRepo.listAccounts(db);
  const attached = await attachedTo(
    db,
    rows.map((r) => r.id),
  );
  const runAs = new Map((await listRunAs(db)).map((r) => [r.automationAccountId, r]));
  return rows.map((r) => resourceOf(r, attached.get(r.id)?.length ?? 0, runAs.get(r.id)));
}
