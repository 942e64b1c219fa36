// Managed identities in the database: the tenant id, user-assigned identities and their attachments, signing keys.
import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import {
  automationAccountIdentities,
  stewardSettings,
  tokenSigningKeys,
  userAssignedIdentities,
} from '../../../store/schema.js';

export type UamiRow = typeof userAssignedIdentities.$inferSelect;
export type SigningKeyRow = typeof tokenSigningKeys.$inferSelect;

/** The management group's tenant id: made once by the migration, the same on every server. */
export async function tenantId(db: Executor): Promise<string> {
  const row = (await db.select().from(stewardSettings).where(eq(stewardSettings.key, 'tenant-id')))[0];
  if (typeof row?.value === 'string') return row.value;
  // A database restored without the row: make it once; a racing server's insert wins and is read back.
  await db.insert(stewardSettings).values({ key: 'tenant-id', value: randomUUID() }).onConflictDoNothing();
  return tenantId(db);
}

export const insertUami = async (db: Executor, row: typeof userAssignedIdentities.$inferInsert) =>
  (await db.insert(userAssignedIdentities).values(row).returning())[0]!;

export const listUamis = (db: Executor) =>
  db.select().from(userAssignedIdentities).orderBy(asc(userAssignedIdentities.name));

export const findUami = async (db: Executor, id: string) =>
  (await db.select().from(userAssignedIdentities).where(eq(userAssignedIdentities.id, id)))[0];

export const findUamiByName = async (db: Executor, name: string) =>
  (await db.select().from(userAssignedIdentities).where(eq(userAssignedIdentities.name, name)))[0];

export const deleteUami = (db: Executor, id: string) =>
  db.delete(userAssignedIdentities).where(eq(userAssignedIdentities.id, id));

/** User-assigned identities attached to the accounts given, account by account. */
export async function attachedTo(db: Executor, accountIds: string[]): Promise<Map<string, UamiRow[]>> {
  const out = new Map<string, UamiRow[]>(accountIds.map((id) => [id, []]));
  if (!accountIds.length) return out;
  const rows = await db
    .select({ accountId: automationAccountIdentities.automationAccountId, uami: userAssignedIdentities })
    .from(automationAccountIdentities)
    .innerJoin(userAssignedIdentities, eq(userAssignedIdentities.id, automationAccountIdentities.identityId))
    .where(inArray(automationAccountIdentities.automationAccountId, accountIds))
    .orderBy(asc(userAssignedIdentities.name));
  for (const r of rows) out.get(r.accountId)?.push(r.uami);
  return out;
}

/** Accounts each identity is attached to. */
export async function accountsOf(db: Executor, identityIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(identityIds.map((id) => [id, []]));
  if (!identityIds.length) return out;
  const rows = await db
    .select()
    .from(automationAccountIdentities)
    .where(inArray(automationAccountIdentities.identityId, identityIds))
    .orderBy(asc(automationAccountIdentities.automationAccountId));
  for (const r of rows) out.get(r.identityId)?.push(r.automationAccountId);
  return out;
}

/** Makes the account's attached user-assigned identities exactly `identityIds`. */
export async function setAttached(db: Executor, accountId: string, identityIds: string[]) {
  await db
    .delete(automationAccountIdentities)
    .where(eq(automationAccountIdentities.automationAccountId, accountId));
  if (identityIds.length)
    await db
      .insert(automationAccountIdentities)
      .values(identityIds.map((identityId) => ({ automationAccountId: accountId, identityId })));
}

export const isAttached = async (db: Executor, accountId: string, identityId: string) =>
  (
    await db
      .select()
      .from(automationAccountIdentities)
      .where(
        and(
          eq(automationAccountIdentities.automationAccountId, accountId),
          eq(automationAccountIdentities.identityId, identityId),
        ),
      )
  ).length > 0;

// Signing keys

export const listSigningKeys = (db: Executor) =>
  db.select().from(tokenSigningKeys).orderBy(asc(tokenSigningKeys.signsFrom));

export const insertSigningKey = async (db: Executor, row: typeof tokenSigningKeys.$inferInsert) =>
  (await db.insert(tokenSigningKeys).values(row).returning())[0]!;
