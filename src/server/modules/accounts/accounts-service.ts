// Run As accounts: create, update the secret (same type), rename, delete, distribute — never show the secret.
import type { z } from 'zod';
import type {
  Credential,
  changeDistributionBody,
  createAccountBody,
  setDistributionBody,
  updateAccountBody,
} from '../../../contract/accounts.js';
import type { OpenedCredential } from '../../../contract/agents.js';
import { newId } from '../../../contract/ids.js';
import type { Keyring } from '../../../crypto/keyring.js';
import { scopePath } from '../../../domain/resource-roles.js';
import type { Db, Tx } from '../../../store/db.js';
import { AppError, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import { groupsRunningAs } from '../automation/worker-groups-repo.js';
import { deleteAssignmentsAtOrBeneath } from '../roles/role-assignments-repo.js';
import { findSealed, insertSealed } from '../secrets/sealed-secrets-repo.js';
import { serversUsingAsDefault } from '../servers/servers-repo.js';
import * as repo from './accounts-repo.js';
import { createCredentialReads } from './credential-reads.js';
import { certificateFacts, splitCredential } from './credential-rules.js';

export interface AccountsServiceDeps {
  db: Db;
  keyring: Keyring;
  /** Called after every committed change, so resolution can catch up at once. */
  onChange?: () => void;
  /** The change feed (every committed change, on any server), which what deliveries read follows. */
  changes?: Parameters<typeof createCredentialReads>[0]['changes'];
}

export type AccountView = repo.AccountRow & { approved: string[] };
export type AccountsService = ReturnType<typeof createAccountsService>;

export function createAccountsService({ db, keyring, onChange, changes }: AccountsServiceDeps) {
  const changed = <T>(v: T) => {
    onChange?.();
    return v;
  };

  const credentialReads = createCredentialReads({ db, keyring, changes });

  async function view(tx: Db | Tx, row: repo.AccountRow): Promise<AccountView> {
    return { ...row, approved: (await repo.approvedOf(tx, [row.id])).get(row.id) ?? [] };
  }

  /** Public fields and expiry of a credential; certificates add their subject, thumbprint and notAfter. */
  function describe(c: Credential, expiresAt: Date | null | undefined) {
    const { publicFields, secret } = splitCredential(c);
    let expiry = expiresAt ?? null;
    if (c.type === 'certificate') {
      const facts = certificateFacts(c);
      Object.assign(publicFields, {
        subject: facts.subject,
        issuer: facts.issuer,
        thumbprint: facts.thumbprint,
        notAfter: facts.notAfter.toISOString(),
      });
      if (!expiry || facts.notAfter < expiry) expiry = facts.notAfter;
    }
    return { publicFields, secret, expiry };
  }

  async function sealSecret(tx: Tx, id: string, version: number, secret: Record<string, unknown>) {
    await insertSealed(
      tx,
      id,
      version,
      keyring.seal(id, version, Buffer.from(JSON.stringify(secret), 'utf8')),
    );
  }

  async function mustFind(tx: Db | Tx, id: string) {
    const row = await repo.findAccount(tx, id);
    if (!row) throw notFound('Run As account', id);
    return row;
  }

  async function checkTargets(tx: Tx, targets: string[]) {
    const known = await repo.existingTargets(tx, targets);
    const issues = targets.flatMap((t, i) =>
      known.has(t)
        ? []
        : [{ path: `body.approved[${i}]`, message: `no computer, management server or pool '${t}'` }],
    );
    if (issues.length)
      throw new AppError('VALIDATION_FAILED', issues.map((i) => i.message).join('; '), issues);
  }

  return {
    list: async () => {
      const rows = await repo.listAccounts(db);
      const approved = await repo.approvedOf(
        db,
        rows.map((r) => r.id),
      );
      return rows.map((r) => ({ ...r, approved: approved.get(r.id) ?? [] }));
    },

    get: async (id: string) => view(db, await mustFind(db, id)),

    async create(p: Principal, body: z.infer<typeof createAccountBody>) {
      const { publicFields, secret, expiry } = describe(
        body.credential,
        body.expiresAt ? new Date(body.expiresAt) : null,
      );
      return changed(
        await db.transaction(async (tx) => {
          if (await repo.findAccountByName(tx, body.name)) {
            throw new AppError('ALREADY_EXISTS', `A Run As account named '${body.name}' already exists.`, [
              { path: 'body.name', message: 'is taken' },
            ]);
          }
          const id = newId('account');
          // R3: whatever the path, a new account is more secure with an empty approved list.
          const row = await repo.insertAccount(tx, {
            id,
            name: body.name,
            description: body.description ?? body.name,
            type: body.credential.type,
            version: 1,
            security: 'more-secure',
            publicFields,
            expiresAt: expiry,
          });
          await sealSecret(tx, id, 1, secret);
          await appendAudit(tx, {
            actor: actorOf(p),
            kind: 'account.create',
            target: id,
            details: { name: row.name, type: row.type, version: 1 },
          });
          return view(tx, row);
        }),
      );
    },

    async update(p: Principal, id: string, body: z.infer<typeof updateAccountBody>) {
      const updated = await db.transaction(async (tx) => {
        const row = await mustFind(tx, id);
        if (body.credential && body.credential.type !== row.type) {
          throw new AppError(
            'RULE_VIOLATION',
            `An account's type cannot change: this one is ${row.type} (R2).`,
            [{ path: 'body.credential.type', message: `must be ${row.type}` }],
          );
        }
        if (body.name && body.name !== row.name && (await repo.findAccountByName(tx, body.name))) {
          throw new AppError('ALREADY_EXISTS', `A Run As account named '${body.name}' already exists.`, [
            { path: 'body.name', message: 'is taken' },
          ]);
        }
        const patch: Parameters<typeof repo.updateAccount>[2] = {};
        if (body.name) patch.name = body.name;
        if (body.description !== undefined) patch.description = body.description;
        if (body.expiresAt !== undefined) patch.expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
        if (body.credential) {
          const d = describe(body.credential, patch.expiresAt === undefined ? null : patch.expiresAt);
          patch.version = row.version + 1;
          patch.publicFields = d.publicFields;
          if (body.credential.type === 'certificate' || patch.expiresAt !== undefined)
            patch.expiresAt = d.expiry;
          await sealSecret(tx, id, patch.version, d.secret);
        }
        const next = (await repo.updateAccount(tx, id, patch))!;
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'account.update',
          target: id,
          details: {
            changed: Object.keys(body).filter((k) => k !== 'credential'),
            ...(body.credential ? { secretReplaced: true, version: next.version } : {}),
          },
        });
        return view(tx, next);
      });
      credentialReads.forget(id);
      return changed(updated);
    },

    async remove(p: Principal, id: string) {
      await db.transaction(async (tx) => {
        const row = await mustFind(tx, id);
        const assoc = await repo.listAssociations(tx, { accountId: id });
        if (assoc.length) {
          const profiles = [...new Set(assoc.map((a) => a.profileId))];
          throw new AppError(
            'IN_USE',
            `Run As account '${row.name}' is associated with ${profiles.join(', ')}: remove it from every profile first (R5).`,
            profiles.map((pr) => ({ path: 'profiles', message: pr })),
          );
        }
        const users = await repo.computersUsingAsDefault(tx, id);
        if (users.length) {
          throw new AppError(
            'IN_USE',
            `Run As account '${row.name}' is the default action account of ${users.map((c) => c.name).join(', ')}.`,
            users.map((c) => ({ path: 'computers', message: c.id })),
          );
        }
        const servers = await serversUsingAsDefault(tx, id);
        if (servers.length) {
          throw new AppError(
            'IN_USE',
            `Run As account '${row.name}' is the default action account of management server ${servers.map((s) => s.name).join(', ')}.`,
            servers.map((s) => ({ path: 'servers', message: s.id })),
          );
        }
        const groups = await groupsRunningAs(tx, id);
        if (groups.length) {
          throw new AppError(
            'IN_USE',
            `Run As account '${row.name}' is the Run As account of hybrid worker group ${groups.map((g) => g.name).join(', ')}: change the group first.`,
            groups.map((g) => ({ path: 'workerGroups', message: g.id })),
          );
        }
        await repo.deleteAccount(tx, id);
        // Role assignments on the account go with it: a later account that reused nothing still starts with none.
        const roleAssignmentsRemoved = await deleteAssignmentsAtOrBeneath(
          tx,
          scopePath({ kind: 'runAsAccount', runAsAccountId: id }),
        );
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'account.delete',
          target: id,
          details: { name: row.name, type: row.type, roleAssignmentsRemoved },
        });
      });
      credentialReads.forget(id);
      onChange?.();
    },

    async setDistribution(p: Principal, id: string, body: z.infer<typeof setDistributionBody>) {
      return changed(
        await db.transaction(async (tx) => {
          const row = await mustFind(tx, id);
          if (row.type === 'action' && body.security === 'less-secure') {
            throw new AppError('RULE_VIOLATION', 'An action account is always more secure (R7).', [
              { path: 'body.security', message: 'must be more-secure for an action account' },
            ]);
          }
          const approved = [...new Set(body.approved ?? [])].sort();
          await checkTargets(tx, approved);
          await repo.replaceApproved(tx, id, approved);
          const next = (await repo.updateAccount(tx, id, { security: body.security }))!;
          await appendAudit(tx, {
            actor: actorOf(p),
            kind: 'account.distribution',
            target: id,
            details: { security: body.security, approved },
          });
          return view(tx, next);
        }),
      );
    },

    async changeDistribution(p: Principal, id: string, body: z.infer<typeof changeDistributionBody>) {
      return changed(
        await db.transaction(async (tx) => {
          const row = await mustFind(tx, id);
          await checkTargets(tx, body.add);
          const current = new Set((await repo.approvedOf(tx, [id])).get(id) ?? []);
          for (const t of body.add) current.add(t);
          for (const t of body.remove) current.delete(t);
          const approved = [...current].sort();
          await repo.replaceApproved(tx, id, approved);
          await appendAudit(tx, {
            actor: actorOf(p),
            kind: 'account.distribution',
            target: id,
            details: { security: row.security, added: body.add, removed: body.remove, approved },
          });
          return view(tx, (await repo.findAccount(tx, id))!);
        }),
      );
    },

    /**
     * Opens an account's secret for delivery to a health service it is distributed to. Callers must have
     * checked distribution; the secret must never reach a person, a log or an error.
     */
    async openSecret(id: string, version: number): Promise<Record<string, unknown>> {
      const sealed = await findSealed(db, id, version);
      if (!sealed) throw notFound('Sealed value of account', `${id}@${version}`);
      return JSON.parse(keyring.open(id, version, sealed).toString('utf8')) as Record<string, unknown>;
    },

    /**
     * Opens these accounts at these versions for delivery — name, type, public fields and secret — reading the
     * accounts and their sealed values once for all of them; an account gone or at another version is left out.
     * Callers must have checked distribution; what it returns must never reach a person, a log or an error.
     */
    openCredentials: (requested: readonly { id: string; version: number }[]): Promise<OpenedCredential[]> =>
      credentialReads.open(requested),
  };
}
