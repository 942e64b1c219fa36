// Sealed values in the database: written and read by id and version, re-wrapped in batches on root-key rotation.
import { and, asc, eq, inArray, ne, or, sql } from 'drizzle-orm';
import type { SealedValue } from '../../../crypto/keyring.js';
import type { Executor } from '../../../store/db.js';
import { sealedSecrets } from '../../../store/schema.js';

export type SealedRow = typeof sealedSecrets.$inferSelect;

export const insertSealed = (db: Executor, id: string, version: number, v: SealedValue) =>
  db.insert(sealedSecrets).values({ id, version, ...v });

export const findSealed = async (db: Executor, id: string, version: number) =>
  (
    await db
      .select()
      .from(sealedSecrets)
      .where(and(eq(sealedSecrets.id, id), eq(sealedSecrets.version, version)))
  )[0];

/** The sealed values of these (id, version) pairs, in one query. */
export const findSealedMany = (db: Executor, wanted: readonly { id: string; version: number }[]) =>
  wanted.length
    ? db
        .select()
        .from(sealedSecrets)
        .where(
          or(...wanted.map((w) => and(eq(sealedSecrets.id, w.id), eq(sealedSecrets.version, w.version)))),
        )
    : Promise.resolve([]);

export const countNotUnderKey = async (db: Executor, rootKeyId: string) =>
  Number(
    (
      await db
        .select({ n: sql<number>`count(*)` })
        .from(sealedSecrets)
        .where(ne(sealedSecrets.rootKeyId, rootKeyId))
    )[0]?.n ?? 0,
  );

export const listNotUnderKey = (db: Executor, rootKeyId: string, limit: number) =>
  db
    .select()
    .from(sealedSecrets)
    .where(ne(sealedSecrets.rootKeyId, rootKeyId))
    .orderBy(asc(sealedSecrets.id), asc(sealedSecrets.version))
    .limit(limit);

/** Replaces the wrapped data key only if the row is still wrapped by the key it was read with. */
export const replaceWrappedKey = (db: Executor, row: SealedRow, v: SealedValue) =>
  db
    .update(sealedSecrets)
    .set({ rootKeyId: v.rootKeyId, wrappedKey: v.wrappedKey })
    .where(
      and(
        eq(sealedSecrets.id, row.id),
        eq(sealedSecrets.version, row.version),
        eq(sealedSecrets.rootKeyId, row.rootKeyId),
      ),
    );

/** Removes every version of a record's sealed values (the record itself is gone). */
export const deleteSealed = (db: Executor, ids: readonly string[]) =>
  ids.length ? db.delete(sealedSecrets).where(inArray(sealedSecrets.id, [...ids])) : Promise.resolve();
