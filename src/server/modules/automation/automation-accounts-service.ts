// Automation accounts: create (with the built-in connection types), rename, set limits, delete with everything
// they hold — never a Run As account of the SCOM half.
import type { z } from 'zod';
import type {
  AutomationLimits,
  createAutomationAccountBody,
  updateAutomationAccountBody,
} from '../../../contract/automation.js';
import { defaultLimits } from '../../../contract/automation.js';
import { newId } from '../../../contract/ids.js';
import { builtInConnectionTypes } from '../../../domain/automation/connection-fields.js';
import { scopePath } from '../../../domain/resource-roles.js';
import type { Db } from '../../../store/db.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import { applyAccountIdentity, systemColumns, withIdentities } from '../identity/identities-service.js';
import type { PolicyEnforcer } from '../policy/policy-enforcer.js';
import { deletePolicyAssignmentsAtOrBeneath } from '../policy/policy-repo.js';
import { deleteAssignmentsAtOrBeneath, deleteAssignmentsOfIdentity } from '../roles/role-assignments-repo.js';
import { deleteSealed } from '../secrets/sealed-secrets-repo.js';
import * as repo from './automation-repo.js';
import { mustFindAccount, nameTaken, uniquely } from './automation-shared.js';

export type AutomationAccountsService = ReturnType<typeof createAutomationAccountsService>;

export const limitsOf = (r: repo.AutomationAccountRow): AutomationLimits => ({
  maxConcurrentJobs: r.maxConcurrentJobs,
  maxNewJobsPer30s: r.maxNewJobsPer30s,
  fairShareSeconds: r.fairShareSeconds,
  jobRetentionDays: r.jobRetentionDays,
});

/**
 * `policy` judges every creation and change in its transaction (a Deny refuses it, an Audit records it); without
 * one, nothing is judged.
 */
export function createAutomationAccountsService({ db, policy }: { db: Db; policy?: PolicyEnforcer }) {
  const taken = (name: string) => () => nameTaken('An automation account', name);

  return {
    list: async () => withIdentities(db, await repo.listAccounts(db)),

    get: async (id: string) => (await withIdentities(db, [await mustFindAccount(db, id)]))[0]!,

    async create(p: Principal, body: z.infer<typeof createAutomationAccountBody>) {
      const limits = { ...defaultLimits, ...body.limits };
      // New accounts have a system-assigned identity unless the body says otherwise (R54).
      const identity = body.identity ?? { type: 'SystemAssigned' as const };
      const created = await uniquely(
        () =>
          db.transaction(async (tx) => {
            if (await repo.findAccountByName(tx, body.name)) throw taken(body.name)();
            const id = newId('automationAccount');
            const row = await repo.insertAccount(tx, {
              id,
              name: body.name,
              description: body.description ?? '',
              disableLocalAuth: body.disableLocalAuth,
              ...limits,
              ...systemColumns(undefined, identity.type),
            });
            const applied = await applyAccountIdentity(tx, row, identity);
            for (const t of builtInConnectionTypes) {
              await repo.insertConnectionType(tx, {
                id: newId('connectionType'),
                automationAccountId: id,
                name: t.name,
                description: t.description,
                builtIn: true,
                fields: [...t.fields],
              });
            }
            await appendAudit(tx, {
              actor: actorOf(p),
              kind: 'automation-account.create',
              target: id,
              details: {
                name: row.name,
                disableLocalAuth: row.disableLocalAuth,
                limits,
                identity: {
                  ...applied.changes,
                  systemIdentity: row.systemPrincipalId ? 'created' : 'none',
                  principalId: row.systemPrincipalId,
                },
              },
            });
            await policy?.check(tx, {
              actor: actorOf(p),
              accountId: id,
              operation: 'automation-account.create',
              before: undefined,
            });
            return row;
          }),
        taken(body.name),
      );
      return (await withIdentities(db, [created]))[0]!;
    },

    async update(p: Principal, id: string, body: z.infer<typeof updateAutomationAccountBody>) {
      const name = body.name;
      const updated = await uniquely(
        () =>
          db.transaction(async (tx) => {
            const row = await mustFindAccount(tx, id);
            if (name && name !== row.name && (await repo.findAccountByName(tx, name))) throw taken(name)();
            const before = await policy?.before(tx, id);
            const applied = body.identity ? await applyAccountIdentity(tx, row, body.identity) : undefined;
            // A system identity turned off is deleted, and its role assignments with it.
            const roleAssignmentsRemoved =
              applied?.changes.systemIdentity === 'deleted' ? await deleteAssignmentsOfIdentity(tx, id) : 0;
            const next = (await repo.updateAccount(tx, id, {
              ...(name ? { name } : {}),
              ...(body.description !== undefined ? { description: body.description } : {}),
              ...(body.disableLocalAuth !== undefined ? { disableLocalAuth: body.disableLocalAuth } : {}),
              ...body.limits,
              ...applied?.system,
            }))!;
            await appendAudit(tx, {
              actor: actorOf(p),
              kind: 'automation-account.update',
              target: id,
              details: {
                changed: Object.keys(body),
                ...(name && name !== row.name ? { name: { from: row.name, to: name } } : {}),
                ...(body.disableLocalAuth !== undefined ? { disableLocalAuth: body.disableLocalAuth } : {}),
                ...(body.limits ? { limits: limitsOf(next) } : {}),
                ...(applied
                  ? {
                      identity: {
                        ...applied.changes,
                        principalId: next.systemPrincipalId,
                        roleAssignmentsRemoved,
                      },
                    }
                  : {}),
              },
            });
            await policy?.check(tx, {
              actor: actorOf(p),
              accountId: id,
              operation: 'automation-account.update',
              before,
            });
            return next;
          }),
        taken(name ?? ''),
      );
      return (await withIdentities(db, [updated]))[0]!;
    },

    /**
     * Deletes the account, its runbooks (with every version), connection types, assets, schedules, webhooks and
     * job history, with every sealed value among them.
     */
    async remove(p: Principal, id: string) {
      await db.transaction(async (tx) => {
        const row = await mustFindAccount(tx, id);
        const contents = await repo.contentsOf(tx, id);
        await repo.deleteAccount(tx, id);
        await deleteSealed(tx, [...contents.assetIds, ...contents.jobIds]);
        // The system identity's role assignments, and every assignment at the account or beneath it.
        const scope = scopePath({ kind: 'automationAccount', accountId: id });
        const roleAssignmentsRemoved =
          (await deleteAssignmentsOfIdentity(tx, id)) + (await deleteAssignmentsAtOrBeneath(tx, scope));
        const policyAssignmentsRemoved = await deletePolicyAssignmentsAtOrBeneath(tx, scope);
        const assets: Record<string, number> = {};
        for (const k of contents.assetKinds) assets[k] = (assets[k] ?? 0) + 1;
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'automation-account.delete',
          target: id,
          details: {
            name: row.name,
            deleted: {
              runbooks: contents.runbooks,
              assets,
              schedules: contents.schedules,
              webhooks: contents.webhooks,
              jobs: contents.jobIds.length,
              roleAssignments: roleAssignmentsRemoved,
              policyAssignments: policyAssignmentsRemoved,
            },
            // The system-assigned identity goes with the account (R54); user-assigned ones are only detached.
            ...(row.systemPrincipalId ? { systemIdentityDeleted: row.systemPrincipalId } : {}),
          },
        });
      });
    },
  };
}
