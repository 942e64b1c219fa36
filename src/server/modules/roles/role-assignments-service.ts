// Role assignments: an identity's principal gets a resource role at a scope path. Only administrators, and
// identities holding Owner (roles.write) on the scope, assign and remove; every change is audited. The
// principal must be an identity that exists, and the scope a resource that exists.
import { eq } from 'drizzle-orm';
import type { z } from 'zod';
import { newId } from '../../../contract/ids.js';
import type {
  createRoleAssignmentBody,
  RoleAssignment,
  roleAssignmentListQuery,
} from '../../../contract/role-assignments.js';
import {
  parseScope,
  type ResourceAction,
  type ResourceRole,
  type Scope,
} from '../../../domain/resource-roles.js';
import type { Db, Executor } from '../../../store/db.js';
import {
  accounts,
  automationAccounts,
  automationSchedules,
  pools,
  runbooks,
  servicePrincipals,
  userAssignedIdentities,
} from '../../../store/schema.js';
import { AppError, invalid, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import type { IdentityTokenAuth } from '../identity/identity-token-auth.js';
import { isUniqueViolation } from '../inventory/inventory-shared.js';
import * as repo from './role-assignments-repo.js';

export type RoleAssignmentsService = ReturnType<typeof createRoleAssignmentsService>;

const dto = (r: repo.RoleAssignmentRow): RoleAssignment => ({
  id: r.id,
  principalId: r.principalId,
  principalType: r.principalType,
  identityId: r.identityId,
  role: r.role as ResourceRole,
  scope: r.scope,
  createdBy: r.createdBy,
  createdAt: r.createdAt.toISOString(),
});

/**
 * The identity a principal id belongs to: an automation account's system identity, a user-assigned one, or the
 * service principal of a legacy Run As account (its identity id is the application id).
 */
async function identityOf(db: Executor, principalId: string) {
  const system = (
    await db
      .select({ id: automationAccounts.id })
      .from(automationAccounts)
      .where(eq(automationAccounts.systemPrincipalId, principalId))
  )[0];
  if (system) return { identityId: system.id, principalType: 'SystemAssigned' as const };
  const uami = (
    await db
      .select({ id: userAssignedIdentities.id })
      .from(userAssignedIdentities)
      .where(eq(userAssignedIdentities.principalId, principalId))
  )[0];
  if (uami) return { identityId: uami.id, principalType: 'UserAssigned' as const };
  const sp = (
    await db
      .select({ appId: servicePrincipals.appId })
      .from(servicePrincipals)
      .where(eq(servicePrincipals.id, principalId))
  )[0];
  return sp ? { identityId: sp.appId, principalType: 'ServicePrincipal' as const } : undefined;
}

/** Why the resource a scope names does not exist, or undefined when it does. */
async function missingResource(db: Executor, s: Scope): Promise<string | undefined> {
  const exists = async (rows: Promise<unknown[]>) => (await rows).length > 0;
  switch (s.kind) {
    case 'managementGroup':
      return undefined;
    case 'automationAccount':
      return (await exists(
        db
          .select({ id: automationAccounts.id })
          .from(automationAccounts)
          .where(eq(automationAccounts.id, s.accountId)),
      ))
        ? undefined
        : `no automation account ${s.accountId}`;
    case 'runbook': {
      const row = (
        await db
          .select({ accountId: runbooks.automationAccountId })
          .from(runbooks)
          .where(eq(runbooks.id, s.runbookId))
      )[0];
      return row?.accountId === s.accountId
        ? undefined
        : `no runbook ${s.runbookId} in automation account ${s.accountId}`;
    }
    case 'schedule': {
      const row = (
        await db
          .select({ accountId: automationSchedules.automationAccountId })
          .from(automationSchedules)
          .where(eq(automationSchedules.id, s.scheduleId))
      )[0];
      return row?.accountId === s.accountId
        ? undefined
        : `no schedule ${s.scheduleId} in automation account ${s.accountId}`;
    }
    case 'runAsAccount':
      return (await exists(
        db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, s.runAsAccountId)),
      ))
        ? undefined
        : `no Run As account ${s.runAsAccountId}`;
    case 'pool':
      return (await exists(db.select({ id: pools.id }).from(pools).where(eq(pools.id, s.poolId))))
        ? undefined
        : `no resource pool ${s.poolId}`;
  }
}

export function createRoleAssignmentsService({
  db,
  identities,
}: {
  db: Db;
  identities: Pick<IdentityTokenAuth, 'allows'>;
}) {
  /** People passed their role check at the route; an identity needs a role assignment allowing it here. */
  async function mustBeAllowed(p: Principal, action: ResourceAction, scope: string) {
    if (!p.identity) return;
    if (!(await identities.allows(p.identity.principalId, action, scope)))
      throw new AppError(
        'FORBIDDEN',
        action === 'roles.write'
          ? `Only an administrator, or an identity that is Owner at ${scope}, may assign or remove roles there.`
          : `The identity has no role assignment allowing it to list role assignments at ${scope}.`,
      );
  }

  return {
    async list(p: Principal, q: z.infer<typeof roleAssignmentListQuery>) {
      await mustBeAllowed(p, 'roles.read', q.scope ?? '/');
      return (await repo.listRoleAssignments(db, q)).map(dto);
    },

    async create(p: Principal, body: z.infer<typeof createRoleAssignmentBody>) {
      await mustBeAllowed(p, 'roles.write', body.scope);
      const row = await db
        .transaction(async (tx) => {
          const identity = await identityOf(tx, body.principalId);
          if (!identity)
            throw invalid(
              'body.principalId',
              'is not the principal id of any managed identity or service principal',
            );
          const missing = await missingResource(tx, parseScope(body.scope)!);
          if (missing) throw invalid('body.scope', missing);
          if (await repo.findSameAssignment(tx, body.principalId, body.role, body.scope)) throw taken(body);
          const row = await repo.insertRoleAssignment(tx, {
            id: newId('roleAssignment'),
            principalId: body.principalId,
            principalType: identity.principalType,
            identityId: identity.identityId,
            role: body.role,
            scope: body.scope,
            createdBy: actorOf(p),
          });
          await appendAudit(tx, {
            actor: actorOf(p),
            kind: 'role-assignment.create',
            target: row.id,
            details: {
              principalId: row.principalId,
              identityId: row.identityId,
              role: row.role,
              scope: row.scope,
            },
          });
          return row;
        })
        .catch((err) => {
          // Two requests racing for one assignment: the loser gets the same 409 as the check.
          throw isUniqueViolation(err) ? taken(body) : err;
        });
      return dto(row);
    },

    async remove(p: Principal, id: string) {
      const found = await repo.findRoleAssignment(db, id);
      if (!found) throw notFound('Role assignment', id);
      await mustBeAllowed(p, 'roles.write', found.scope);
      await db.transaction(async (tx) => {
        const row = await repo.findRoleAssignment(tx, id);
        if (!row) throw notFound('Role assignment', id);
        await repo.deleteRoleAssignment(tx, id);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'role-assignment.delete',
          target: id,
          details: {
            principalId: row.principalId,
            identityId: row.identityId,
            role: row.role,
            scope: row.scope,
          },
        });
      });
    },
  };
}

const taken = (body: { role: string; scope: string }) =>
  new AppError('ALREADY_EXISTS', `The principal already holds ${body.role} at ${body.scope}.`, [
    { path: 'body', message: 'the same assignment exists' },
  ]);
