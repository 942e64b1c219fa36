// Run As accounts, their approved distribution lists and their profile associations in the database.
import { and, asc, eq, inArray, notInArray, or } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import {
  accountDistribution,
  accounts,
  associations,
  computers,
  managementServers,
  pools,
} from '../../../store/schema.js';

export type AccountRow = typeof accounts.$inferSelect;
export type AssociationRow = typeof associations.$inferSelect;

export const findAccount = async (db: Executor, id: string) =>
  (await db.select().from(accounts).where(eq(accounts.id, id)))[0];

export const findAccounts = (db: Executor, ids: readonly string[]) =>
  ids.length
    ? db
        .select()
        .from(accounts)
        .where(inArray(accounts.id, [...ids]))
    : Promise.resolve([]);

export const findAccountByName = async (db: Executor, name: string) =>
  (await db.select().from(accounts).where(eq(accounts.name, name)))[0];

export const listAccounts = (db: Executor) => db.select().from(accounts).orderBy(asc(accounts.name));

export const insertAccount = async (db: Executor, row: typeof accounts.$inferInsert) =>
  (await db.insert(accounts).values(row).returning())[0]!;

export const updateAccount = async (db: Executor, id: string, patch: Partial<typeof accounts.$inferInsert>) =>
  (
    await db
      .update(accounts)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(accounts.id, id))
      .returning()
  )[0];

export const deleteAccount = (db: Executor, id: string) => db.delete(accounts).where(eq(accounts.id, id));

export async function approvedOf(db: Executor, accountIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(accountIds.map((id) => [id, []]));
  if (accountIds.length === 0) return out;
  const rows = await db
    .select()
    .from(accountDistribution)
    .where(inArray(accountDistribution.accountId, accountIds))
    .orderBy(asc(accountDistribution.targetId));
  for (const r of rows) out.get(r.accountId)?.push(r.targetId);
  return out;
}

export async function replaceApproved(db: Executor, accountId: string, targets: string[]) {
  await db.delete(accountDistribution).where(eq(accountDistribution.accountId, accountId));
  if (targets.length)
    await db.insert(accountDistribution).values(targets.map((targetId) => ({ accountId, targetId })));
}

/** Which of the given ids name an existing computer, management server or pool. */
export async function existingTargets(db: Executor, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  // One after another: inside a transaction they share one connection.
  const c = await db.select({ id: computers.id }).from(computers).where(inArray(computers.id, ids));
  const s = await db
    .select({ id: managementServers.id })
    .from(managementServers)
    .where(inArray(managementServers.id, ids));
  const p = await db.select({ id: pools.id }).from(pools).where(inArray(pools.id, ids));
  return new Set([...c, ...s, ...p].map((r) => r.id));
}

export const computersUsingAsDefault = (db: Executor, accountId: string) =>
  db
    .select({ id: computers.id, name: computers.name })
    .from(computers)
    .where(eq(computers.defaultActionAccountId, accountId));

export const listAssociations = (db: Executor, filter: { profileId?: string; accountId?: string } = {}) =>
  db
    .select()
    .from(associations)
    .where(
      and(
        filter.profileId ? eq(associations.profileId, filter.profileId) : undefined,
        filter.accountId ? eq(associations.accountId, filter.accountId) : undefined,
      ),
    )
    .orderBy(asc(associations.ordinal));

export const findAssociation = async (db: Executor, id: string) =>
  (await db.select().from(associations).where(eq(associations.id, id)))[0];

export const insertAssociation = async (db: Executor, row: typeof associations.$inferInsert) =>
  (await db.insert(associations).values(row).returning())[0]!;

export const updateAssociation = async (
  db: Executor,
  id: string,
  patch: Partial<typeof associations.$inferInsert>,
) => (await db.update(associations).set(patch).where(eq(associations.id, id)).returning())[0];

export const deleteAssociation = (db: Executor, id: string) =>
  db.delete(associations).where(eq(associations.id, id));

/**
 * Associations scoped to any of these classes, groups or objects, each described for an error message: what
 * deleting the scope (by hand or with its pack) would silently hand to another association.
 */
export async function associationsScopedTo(
  db: Executor,
  scopes: { classIds?: readonly string[]; groupIds?: readonly string[]; objectIds?: readonly string[] },
  /** Associations of these profiles are left out (a pack deletion reports or removes them itself). */
  exceptProfileIds: readonly string[] = [],
): Promise<string[]> {
  const kinds = [
    ['class', scopes.classIds ?? []],
    ['group', scopes.groupIds ?? []],
    ['object', scopes.objectIds ?? []],
  ] as const;
  const wanted = kinds
    .filter(([, ids]) => ids.length)
    .map(([kind, ids]) => and(eq(associations.scopeKind, kind), inArray(associations.scopeId, [...ids])));
  if (!wanted.length) return [];
  const rows = await db
    .select()
    .from(associations)
    .where(
      and(
        or(...wanted),
        exceptProfileIds.length ? notInArray(associations.profileId, [...exceptProfileIds]) : undefined,
      ),
    )
    .orderBy(asc(associations.id));
  return rows.map(
    (a) =>
      `association ${a.id} (profile '${a.profileId}', account ${a.accountId}) is scoped to ${a.scopeKind} '${a.scopeId}'`,
  );
}
