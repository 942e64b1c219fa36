// Managed identities: user-assigned ones (create, list, delete — detaching them from every account), an
// automation account's identity block applied as Azure's R56, and the identity a job's token is for.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type {
  AccountIdentity,
  AccountIdentityInput,
  createUserAssignedIdentityBody,
  IdentityType,
  UserAssignedIdentity,
} from '../../../contract/identities.js';
import { newId } from '../../../contract/ids.js';
import type { Db, Executor, Tx } from '../../../store/db.js';
import { notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import type { AutomationAccountRow } from '../automation/automation-repo.js';
import { invalidIssues, nameTaken, uniquely } from '../automation/automation-shared.js';
import type { PolicyEnforcer } from '../policy/policy-enforcer.js';
import { deleteAssignmentsOfIdentity } from '../roles/role-assignments-repo.js';
import * as repo from './identity-repo.js';

export const accountResourceId = (tenant: string, accountId: string) =>
  `/managementGroups/${tenant}/automationAccounts/${accountId}`;
export const uamiResourceId = (tenant: string, id: string) =>
  `/managementGroups/${tenant}/userAssignedIdentities/${id}`;

/** An account's identity type (R56) from its system identity and how many user-assigned ones it has. */
export function identityTypeOf(
  row: Pick<AutomationAccountRow, 'systemPrincipalId'>,
  uamis: number,
): IdentityType {
  const system = row.systemPrincipalId !== null;
  return system && uamis
    ? 'SystemAssigned, UserAssigned'
    : system
      ? 'SystemAssigned'
      : uamis
        ? 'UserAssigned'
        : 'None';
}

export function identityOf(
  tenant: string,
  row: AutomationAccountRow,
  uamis: repo.UamiRow[],
): AccountIdentity {
  return {
    type: identityTypeOf(row, uamis.length),
    principalId: row.systemPrincipalId,
    clientId: row.systemClientId,
    tenantId: tenant,
    userAssignedIdentities: uamis.map((u) => ({
      id: u.id,
      resourceId: uamiResourceId(tenant, u.id),
      clientId: u.clientId,
      principalId: u.principalId,
    })),
  };
}

/** An account row with its identity block, as the API shows it. */
export type AccountWithIdentity = AutomationAccountRow & { identity: AccountIdentity };

export async function withIdentities(
  db: Executor,
  rows: AutomationAccountRow[],
): Promise<AccountWithIdentity[]> {
  const tenant = await repo.tenantId(db);
  const attached = await repo.attachedTo(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({ ...r, identity: identityOf(tenant, r, attached.get(r.id) ?? []) }));
}

/** Columns of the system-assigned identity for a type: kept when it stays on, new when turned on, null when off. */
export function systemColumns(
  row: Pick<AutomationAccountRow, 'systemPrincipalId' | 'systemClientId'> | undefined,
  type: IdentityType,
) {
  const on = type === 'SystemAssigned' || type === 'SystemAssigned, UserAssigned';
  if (!on) return { systemPrincipalId: null, systemClientId: null };
  if (row?.systemPrincipalId && row.systemClientId)
    return { systemPrincipalId: row.systemPrincipalId, systemClientId: row.systemClientId };
  return { systemPrincipalId: randomUUID(), systemClientId: randomUUID() };
}

/**
 * Applies an identity block to an account inside the caller's transaction (R56): attachments become the
 * listed identities exactly, every one of which must exist. Returns what changed, for the audit record.
 */
export async function applyAccountIdentity(
  tx: Tx,
  row: AutomationAccountRow,
  input: AccountIdentityInput,
  prefix = 'body.identity',
) {
  const wanted = input.userAssignedIdentities ?? [];
  const missing: { path: string; message: string }[] = [];
  for (const [i, id] of wanted.entries())
    if (!(await repo.findUami(tx, id)))
      missing.push({ path: `userAssignedIdentities[${i}]`, message: `no user-assigned identity ${id}` });
  if (missing.length) throw invalidIssues(prefix, missing);
  const before = (await repo.attachedTo(tx, [row.id])).get(row.id)?.map((u) => u.id) ?? [];
  await repo.setAttached(tx, row.id, wanted);
  const system = systemColumns(row, input.type);
  return {
    system,
    changes: {
      type: input.type,
      systemIdentity:
        row.systemPrincipalId === system.systemPrincipalId
          ? 'unchanged'
          : system.systemPrincipalId
            ? 'created'
            : 'deleted',
      attached: wanted.filter((id) => !before.includes(id)),
      detached: before.filter((id) => !wanted.includes(id)),
    },
  };
}

export type IdentitiesService = ReturnType<typeof createIdentitiesService>;

/** `policy` judges the accounts a deleted identity is detached from (they may be left without any). */
export function createIdentitiesService({ db, policy }: { db: Db; policy?: PolicyEnforcer }) {
  const taken = (name: string) => () => nameTaken('A user-assigned identity', name);

  const view = async (db: Executor, rows: repo.UamiRow[]): Promise<UserAssignedIdentity[]> => {
    const tenant = await repo.tenantId(db);
    const accounts = await repo.accountsOf(
      db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      resourceId: uamiResourceId(tenant, r.id),
      clientId: r.clientId,
      principalId: r.principalId,
      tenantId: tenant,
      automationAccountIds: accounts.get(r.id) ?? [],
      createdAt: r.createdAt.toISOString(),
    }));
  };
  const mustFind = async (db: Executor, id: string) => {
    const row = await repo.findUami(db, id);
    if (!row) throw notFound('User-assigned identity', id);
    return row;
  };

  return {
    list: async () => view(db, await repo.listUamis(db)),

    get: async (id: string) => (await view(db, [await mustFind(db, id)]))[0]!,

    async create(p: Principal, body: z.infer<typeof createUserAssignedIdentityBody>) {
      const row = await uniquely(
        () =>
          db.transaction(async (tx) => {
            if (await repo.findUamiByName(tx, body.name)) throw taken(body.name)();
            const row = await repo.insertUami(tx, {
              id: newId('userAssignedIdentity'),
              name: body.name,
              description: body.description ?? '',
              clientId: randomUUID(),
              principalId: randomUUID(),
            });
            await appendAudit(tx, {
              actor: actorOf(p),
              kind: 'identity.create',
              target: row.id,
              details: { name: row.name, clientId: row.clientId, principalId: row.principalId },
            });
            return row;
          }),
        taken(body.name),
      );
      return (await view(db, [row]))[0]!;
    },

    /** Deletes the identity and its role assignments; every account it was attached to loses it (Azure's behaviour). */
    async remove(p: Principal, id: string) {
      await db.transaction(async (tx) => {
        const row = await mustFind(tx, id);
        const accounts = (await repo.accountsOf(tx, [id])).get(id) ?? [];
        const before = await Promise.all(accounts.map((a) => policy?.before(tx, a)));
        await repo.deleteUami(tx, id);
        const roleAssignmentsRemoved = await deleteAssignmentsOfIdentity(tx, id);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'identity.delete',
          target: id,
          details: { name: row.name, detachedFrom: accounts, roleAssignmentsRemoved },
        });
        for (const [i, accountId] of accounts.entries())
          await policy?.check(tx, {
            actor: actorOf(p),
            accountId,
            operation: 'identity.delete',
            before: before[i],
          });
      });
    },
  };
}
