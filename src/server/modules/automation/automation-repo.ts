// Automation accounts, runbooks and their versions, connection types and assets in the database.
import { and, asc, count, desc, eq } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import {
  automationAccounts,
  automationAssets,
  automationConnectionTypes,
  automationJobs,
  automationSchedules,
  automationWebhooks,
  runbooks,
  runbookVersions,
} from '../../../store/schema.js';

export type AutomationAccountRow = typeof automationAccounts.$inferSelect;
export type RunbookRow = typeof runbooks.$inferSelect;
export type RunbookVersionRow = typeof runbookVersions.$inferSelect;
export type ConnectionTypeRow = typeof automationConnectionTypes.$inferSelect;
export type AssetRow = typeof automationAssets.$inferSelect;

// Automation accounts

export const findAccount = async (db: Executor, id: string) =>
  (await db.select().from(automationAccounts).where(eq(automationAccounts.id, id)))[0];

export const findAccountByName = async (db: Executor, name: string) =>
  (await db.select().from(automationAccounts).where(eq(automationAccounts.name, name)))[0];

export const listAccounts = (db: Executor) =>
  db.select().from(automationAccounts).orderBy(asc(automationAccounts.name));

export const insertAccount = async (db: Executor, row: typeof automationAccounts.$inferInsert) =>
  (await db.insert(automationAccounts).values(row).returning())[0]!;

export const updateAccount = async (
  db: Executor,
  id: string,
  patch: Partial<typeof automationAccounts.$inferInsert>,
) =>
  (
    await db
      .update(automationAccounts)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(automationAccounts.id, id))
      .returning()
  )[0];

/** Deletes the account; its runbooks, versions, connection types and assets go with it (ON DELETE CASCADE). */
export const deleteAccount = (db: Executor, id: string) =>
  db.delete(automationAccounts).where(eq(automationAccounts.id, id));

// Runbooks

export const listRunbooks = (db: Executor, accountId: string) =>
  db.select().from(runbooks).where(eq(runbooks.automationAccountId, accountId)).orderBy(asc(runbooks.name));

export const findRunbook = async (db: Executor, id: string) =>
  (await db.select().from(runbooks).where(eq(runbooks.id, id)))[0];

export const findRunbookByName = async (db: Executor, accountId: string, name: string) =>
  (
    await db
      .select()
      .from(runbooks)
      .where(and(eq(runbooks.automationAccountId, accountId), eq(runbooks.name, name)))
  )[0];

export const insertRunbook = async (db: Executor, row: typeof runbooks.$inferInsert) =>
  (await db.insert(runbooks).values(row).returning())[0]!;

export const updateRunbook = async (db: Executor, id: string, patch: Partial<typeof runbooks.$inferInsert>) =>
  (
    await db
      .update(runbooks)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(runbooks.id, id))
      .returning()
  )[0];

export const deleteRunbook = (db: Executor, id: string) => db.delete(runbooks).where(eq(runbooks.id, id));

export const findVersion = async (db: Executor, runbookId: string, version: number) =>
  (
    await db
      .select()
      .from(runbookVersions)
      .where(and(eq(runbookVersions.runbookId, runbookId), eq(runbookVersions.version, version)))
  )[0];

export const listVersions = (db: Executor, runbookId: string) =>
  db
    .select()
    .from(runbookVersions)
    .where(eq(runbookVersions.runbookId, runbookId))
    .orderBy(desc(runbookVersions.version));

export const insertVersion = async (db: Executor, row: typeof runbookVersions.$inferInsert) =>
  (await db.insert(runbookVersions).values(row).returning())[0]!;

// Connection types

export const listConnectionTypes = (db: Executor, accountId: string) =>
  db
    .select()
    .from(automationConnectionTypes)
    .where(eq(automationConnectionTypes.automationAccountId, accountId))
    .orderBy(asc(automationConnectionTypes.name));

export const findConnectionType = async (db: Executor, accountId: string, name: string) =>
  (
    await db
      .select()
      .from(automationConnectionTypes)
      .where(
        and(
          eq(automationConnectionTypes.automationAccountId, accountId),
          eq(automationConnectionTypes.name, name),
        ),
      )
  )[0];

export const findConnectionTypeById = async (db: Executor, id: string) =>
  (await db.select().from(automationConnectionTypes).where(eq(automationConnectionTypes.id, id)))[0];

export const insertConnectionType = async (
  db: Executor,
  row: typeof automationConnectionTypes.$inferInsert,
) => (await db.insert(automationConnectionTypes).values(row).returning())[0]!;

export const updateConnectionType = async (
  db: Executor,
  id: string,
  patch: Partial<typeof automationConnectionTypes.$inferInsert>,
) =>
  (
    await db
      .update(automationConnectionTypes)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(automationConnectionTypes.id, id))
      .returning()
  )[0];

export const deleteConnectionType = (db: Executor, id: string) =>
  db.delete(automationConnectionTypes).where(eq(automationConnectionTypes.id, id));

export const connectionsOfType = (db: Executor, connectionTypeId: string) =>
  db
    .select({ id: automationAssets.id, name: automationAssets.name })
    .from(automationAssets)
    .where(eq(automationAssets.connectionTypeId, connectionTypeId))
    .orderBy(asc(automationAssets.name));

// Assets

export const listAssets = (db: Executor, accountId: string, kind?: string) =>
  db
    .select()
    .from(automationAssets)
    .where(
      and(
        eq(automationAssets.automationAccountId, accountId),
        kind ? eq(automationAssets.kind, kind) : undefined,
      ),
    )
    .orderBy(asc(automationAssets.kind), asc(automationAssets.name));

export const findAsset = async (db: Executor, accountId: string, kind: string, name: string) =>
  (
    await db
      .select()
      .from(automationAssets)
      .where(
        and(
          eq(automationAssets.automationAccountId, accountId),
          eq(automationAssets.kind, kind),
          eq(automationAssets.name, name),
        ),
      )
  )[0];

export const insertAsset = async (db: Executor, row: typeof automationAssets.$inferInsert) =>
  (await db.insert(automationAssets).values(row).returning())[0]!;

export const updateAsset = async (
  db: Executor,
  id: string,
  patch: Partial<typeof automationAssets.$inferInsert>,
) =>
  (
    await db
      .update(automationAssets)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(automationAssets.id, id))
      .returning()
  )[0];

export const deleteAsset = (db: Executor, id: string) =>
  db.delete(automationAssets).where(eq(automationAssets.id, id));

/**
 * What an account holds: how many runbooks, schedules and webhooks, and the ids of its assets and jobs (their
 * sealed values — asset secrets, secret parameters of jobs that have not ended — go with them).
 */
export async function contentsOf(db: Executor, accountId: string) {
  const counted = async (table: typeof runbooks | typeof automationSchedules | typeof automationWebhooks) => {
    const [row] = await db.select({ n: count() }).from(table).where(eq(table.automationAccountId, accountId));
    return Number(row?.n ?? 0);
  };
  const assets = await db
    .select({ id: automationAssets.id, kind: automationAssets.kind })
    .from(automationAssets)
    .where(eq(automationAssets.automationAccountId, accountId));
  const jobs = await db
    .select({ id: automationJobs.id })
    .from(automationJobs)
    .where(eq(automationJobs.automationAccountId, accountId));
  return {
    runbooks: await counted(runbooks),
    schedules: await counted(automationSchedules),
    webhooks: await counted(automationWebhooks),
    assetIds: assets.map((a) => a.id),
    assetKinds: assets.map((a) => a.kind),
    jobIds: jobs.map((j) => j.id),
  };
}
