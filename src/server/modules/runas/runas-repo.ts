// Applications, service principals, their certificate credentials and legacy Run As accounts in the database.
import { and, asc, eq, gt, isNull, lt, ne, or } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import {
  applicationCertificates,
  applications,
  runAsAccounts,
  servicePrincipals,
} from '../../../store/schema.js';

export type ApplicationRow = typeof applications.$inferSelect;
export type ServicePrincipalRow = typeof servicePrincipals.$inferSelect;
export type ApplicationCertificateRow = typeof applicationCertificates.$inferSelect;
export type RunAsRow = typeof runAsAccounts.$inferSelect;

export const insertApplication = async (db: Executor, row: typeof applications.$inferInsert) =>
  (await db.insert(applications).values(row).returning())[0]!;

export const findApplication = async (db: Executor, appId: string) =>
  (await db.select().from(applications).where(eq(applications.appId, appId)))[0];

/** Deletes the application; its principal and certificates go with it (ON DELETE CASCADE). */
export const deleteApplication = (db: Executor, appId: string) =>
  db.delete(applications).where(eq(applications.appId, appId));

export const insertServicePrincipal = async (db: Executor, row: typeof servicePrincipals.$inferInsert) =>
  (await db.insert(servicePrincipals).values(row).returning())[0]!;

export const findServicePrincipalOfApp = async (db: Executor, appId: string) =>
  (await db.select().from(servicePrincipals).where(eq(servicePrincipals.appId, appId)))[0];

export const insertApplicationCertificate = (
  db: Executor,
  row: typeof applicationCertificates.$inferInsert,
) => db.insert(applicationCertificates).values(row);

export const listApplicationCertificates = (db: Executor, appId: string) =>
  db
    .select()
    .from(applicationCertificates)
    .where(eq(applicationCertificates.appId, appId))
    .orderBy(asc(applicationCertificates.notAfter));

/** The certificate credential a client assertion names by SHA-1 or SHA-256 thumbprint, of that application. */
export const findApplicationCertificate = async (
  db: Executor,
  appId: string,
  by: { thumbprint: string } | { thumbprintSha256: string },
) =>
  (
    await db
      .select()
      .from(applicationCertificates)
      .where(
        and(
          eq(applicationCertificates.appId, appId),
          'thumbprint' in by
            ? eq(applicationCertificates.thumbprint, by.thumbprint)
            : eq(applicationCertificates.thumbprintSha256, by.thumbprintSha256),
        ),
      )
  )[0];

/** Certificates that still sign in: not revoked, not expired at `at`. */
export const liveApplicationCertificates = (db: Executor, appId: string, at: Date) =>
  db
    .select()
    .from(applicationCertificates)
    .where(
      and(
        eq(applicationCertificates.appId, appId),
        isNull(applicationCertificates.revokedAt),
        gt(applicationCertificates.notAfter, at),
      ),
    )
    .orderBy(asc(applicationCertificates.notAfter));

export const insertRunAs = async (db: Executor, row: typeof runAsAccounts.$inferInsert) =>
  (await db.insert(runAsAccounts).values(row).returning())[0]!;

export const findRunAs = async (db: Executor, accountId: string) =>
  (await db.select().from(runAsAccounts).where(eq(runAsAccounts.automationAccountId, accountId)))[0];

export const findRunAsByApp = async (db: Executor, appId: string) =>
  (await db.select().from(runAsAccounts).where(eq(runAsAccounts.appId, appId)))[0];

export const listRunAs = (db: Executor) => db.select().from(runAsAccounts);

export const updateRunAs = (
  db: Executor,
  accountId: string,
  patch: Partial<typeof runAsAccounts.$inferInsert>,
) => db.update(runAsAccounts).set(patch).where(eq(runAsAccounts.automationAccountId, accountId));

export const deleteRunAs = (db: Executor, accountId: string) =>
  db.delete(runAsAccounts).where(eq(runAsAccounts.automationAccountId, accountId));

/** Revokes every unrevoked certificate of the application but `keep`; the revoked thumbprints come back. */
export const revokeCertificatesExcept = async (db: Executor, appId: string, keep: string, at: Date) =>
  (
    await db
      .update(applicationCertificates)
      .set({ revokedAt: at })
      .where(
        and(
          eq(applicationCertificates.appId, appId),
          isNull(applicationCertificates.revokedAt),
          ne(applicationCertificates.thumbprint, keep),
        ),
      )
      .returning({ thumbprint: applicationCertificates.thumbprint })
  ).map((r) => r.thumbprint);

/**
 * Marks a migration of the account's Run As account as running, unless another one is (one started after
 * `staleBefore`): the row when claimed, undefined when another migration holds it.
 */
export const claimMigration = async (db: Executor, accountId: string, at: Date, staleBefore: Date) =>
  (
    await db
      .update(runAsAccounts)
      .set({ migrationStartedAt: at })
      .where(
        and(
          eq(runAsAccounts.automationAccountId, accountId),
          or(isNull(runAsAccounts.migrationStartedAt), lt(runAsAccounts.migrationStartedAt, staleBefore)),
        ),
      )
      .returning()
  )[0];

/** Ends the migration claimed at `at` (a later claim, after it went stale, is left alone). */
export const releaseMigration = (db: Executor, accountId: string, at: Date) =>
  db
    .update(runAsAccounts)
    .set({ migrationStartedAt: null })
    .where(and(eq(runAsAccounts.automationAccountId, accountId), eq(runAsAccounts.migrationStartedAt, at)));
