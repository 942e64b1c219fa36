// Users and API tokens in the database.
import { and, asc, eq, isNull, ne, sql } from 'drizzle-orm';
import { type Executor, preparedPerExecutor } from '../../../store/db.js';
import { apiTokens, users } from '../../../store/schema.js';

export type UserRow = typeof users.$inferSelect;
export type TokenRow = typeof apiTokens.$inferSelect;

export const findUserById = async (db: Executor, id: string) =>
  (await db.select().from(users).where(eq(users.id, id)))[0];

export const findUserByName = async (db: Executor, username: string) =>
  (await db.select().from(users).where(eq(users.username, username)))[0];

export const listUsers = (db: Executor) => db.select().from(users).orderBy(asc(users.username));

export const countUsers = async (db: Executor) =>
  Number((await db.select({ n: sql<number>`count(*)` }).from(users))[0]?.n ?? 0);

export const countActiveAdministrators = async (db: Executor) =>
  Number(
    (
      await db
        .select({ n: sql<number>`count(*)` })
        .from(users)
        .where(and(eq(users.role, 'administrator'), eq(users.disabled, false)))
    )[0]?.n ?? 0,
  );

export const insertUser = async (db: Executor, row: typeof users.$inferInsert) =>
  (await db.insert(users).values(row).returning())[0]!;

export const updateUser = async (db: Executor, id: string, patch: Partial<typeof users.$inferInsert>) =>
  (
    await db
      .update(users)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(users.id, id))
      .returning()
  )[0];

export const deleteUser = (db: Executor, id: string) => db.delete(users).where(eq(users.id, id));

export const insertToken = async (db: Executor, row: typeof apiTokens.$inferInsert) =>
  (await db.insert(apiTokens).values(row).returning())[0]!;

/** Runs on every authenticated request: prepared once per database. */
const activeTokenQuery = preparedPerExecutor((db) =>
  db
    .select({ token: apiTokens, user: users })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, sql.placeholder('tokenHash')), isNull(apiTokens.revokedAt)))
    .prepare('steward_active_token'),
);

export const findActiveToken = async (db: Executor, tokenHash: string) =>
  (await activeTokenQuery(db).execute({ tokenHash }))[0];

export const listTokens = (db: Executor, userId?: string) =>
  db
    .select()
    .from(apiTokens)
    .where(userId ? eq(apiTokens.userId, userId) : undefined)
    .orderBy(asc(apiTokens.createdAt));

export const findToken = async (db: Executor, id: string) =>
  (await db.select().from(apiTokens).where(eq(apiTokens.id, id)))[0];

export const revokeToken = (db: Executor, id: string, at: Date) =>
  db
    .update(apiTokens)
    .set({ revokedAt: at })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)));

/** Revokes every live token of the user but `keepTokenId`; returns how many it revoked. */
export const revokeTokensOfUser = async (db: Executor, userId: string, at: Date, keepTokenId?: string) =>
  (
    await db
      .update(apiTokens)
      .set({ revokedAt: at })
      .where(
        and(
          eq(apiTokens.userId, userId),
          isNull(apiTokens.revokedAt),
          keepTokenId ? ne(apiTokens.id, keepTokenId) : undefined,
        ),
      )
      .returning({ id: apiTokens.id })
  ).length;

export const touchToken = (db: Executor, id: string, at: Date) =>
  db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id));
