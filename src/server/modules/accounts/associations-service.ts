// Associations of Run As accounts with profiles: account → scope (all targeted objects, class, group, object), enforced.
import { eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { createAssociationBody, scopeSchema } from '../../../contract/accounts.js';
import { newId } from '../../../contract/ids.js';
import type { Db, Tx } from '../../../store/db.js';
import { classes, groups, objects, profiles } from '../../../store/schema.js';
import { AppError, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import * as repo from './accounts-repo.js';

export type Scope = z.infer<typeof scopeSchema>;

export const scopeOfRow = (r: repo.AssociationRow): Scope =>
  r.scopeKind === 'class'
    ? { kind: 'class', classId: r.scopeId! }
    : r.scopeKind === 'group'
      ? { kind: 'group', groupId: r.scopeId! }
      : r.scopeKind === 'object'
        ? { kind: 'object', objectId: r.scopeId! }
        : { kind: 'all' };

const scopeIdOf = (s: Scope) =>
  s.kind === 'class' ? s.classId : s.kind === 'group' ? s.groupId : s.kind === 'object' ? s.objectId : null;

export type AssociationsService = ReturnType<typeof createAssociationsService>;

export function createAssociationsService({ db, onChange }: { db: Db; onChange?: () => void }) {
  async function requireProfile(tx: Db | Tx, id: string) {
    const [row] = await tx.select().from(profiles).where(eq(profiles.id, id));
    if (!row) throw notFound('Run As profile', id);
    return row;
  }

  async function checkScopeTarget(tx: Tx, scope: Scope) {
    const id = scopeIdOf(scope);
    if (id === null) return;
    const table = scope.kind === 'class' ? classes : scope.kind === 'group' ? groups : objects;
    const [row] = await tx.select({ id: table.id }).from(table).where(eq(table.id, id));
    if (!row) {
      const field = scope.kind === 'class' ? 'classId' : scope.kind === 'group' ? 'groupId' : 'objectId';
      throw new AppError('VALIDATION_FAILED', `scope.${field}: no ${scope.kind} '${id}'.`, [
        { path: `body.scope.${field}`, message: `no ${scope.kind} '${id}'` },
      ]);
    }
  }

  return {
    async list(profileId: string) {
      await requireProfile(db, profileId);
      return repo.listAssociations(db, { profileId });
    },

    listAll: () => repo.listAssociations(db),

    async create(p: Principal, profileId: string, body: z.infer<typeof createAssociationBody>) {
      // S22: no scope means all targeted objects.
      const scope: Scope = body.scope ?? { kind: 'all' };
      const row = await db.transaction(async (tx) => {
        await requireProfile(tx, profileId);
        const account = await repo.findAccount(tx, body.accountId);
        if (!account) {
          throw new AppError('VALIDATION_FAILED', `accountId: no Run As account '${body.accountId}'.`, [
            { path: 'body.accountId', message: `no Run As account '${body.accountId}'` },
          ]);
        }
        await checkScopeTarget(tx, scope);
        const existing = await repo.listAssociations(tx, { profileId, accountId: body.accountId });
        if (existing.some((e) => e.scopeKind === scope.kind && e.scopeId === scopeIdOf(scope))) {
          throw new AppError(
            'ALREADY_EXISTS',
            'This account is already associated with the profile for that scope.',
          );
        }
        const id = newId('association');
        const audit = await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'association.create',
          target: id,
          details: { profileId, accountId: body.accountId, scope, enforced: body.enforced },
        });
        // The audit sequence number is unique and grows with time: it orders associations oldest first.
        return repo.insertAssociation(tx, {
          id,
          profileId,
          accountId: body.accountId,
          scopeKind: scope.kind,
          scopeId: scopeIdOf(scope),
          enforced: body.enforced,
          ordinal: audit.seq,
        });
      });
      onChange?.();
      return row;
    },

    async setEnforced(p: Principal, id: string, enforced: boolean) {
      const row = await db.transaction(async (tx) => {
        const a = await repo.findAssociation(tx, id);
        if (!a) throw notFound('Association', id);
        const next = (await repo.updateAssociation(tx, id, { enforced }))!;
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'association.update',
          target: id,
          details: { enforced },
        });
        return next;
      });
      onChange?.();
      return row;
    },

    async remove(p: Principal, id: string) {
      await db.transaction(async (tx) => {
        const a = await repo.findAssociation(tx, id);
        if (!a) throw notFound('Association', id);
        await repo.deleteAssociation(tx, id);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'association.delete',
          target: id,
          details: { profileId: a.profileId, accountId: a.accountId, scope: scopeOfRow(a) },
        });
      });
      onChange?.();
    },
  };
}
