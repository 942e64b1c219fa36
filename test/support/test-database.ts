// A clean, migrated database for one test file: a restored PGlite snapshot, or a copy of the PostgreSQL template.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { createDb, type Database, wrapPglite } from '../../src/store/db.js';
import {
  newTestDatabaseName,
  snapshotPath,
  TEMPLATE_DB,
  testDatabaseUrl,
  withDatabase,
} from './test-db-target.js';

export async function openTestDatabase(): Promise<Database> {
  if (testDatabaseUrl) {
    const name = newTestDatabaseName(randomBytes(6).toString('hex'));
    const admin = new pg.Client({ connectionString: testDatabaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
    await admin.end();
    const database = await createDb({
      kind: 'postgres',
      url: withDatabase(testDatabaseUrl, name),
      poolSize: 5,
    });
    return {
      ...database,
      close: async () => {
        await database.close();
        const c = new pg.Client({ connectionString: testDatabaseUrl });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const blob = new Blob([readFileSync(snapshotPath)]);
  return wrapPglite(await PGlite.create({ loadDataDir: blob }));
}

/** A database URL for a fresh PostgreSQL database (for tests that start real server processes). */
export async function createPostgresDatabase(
  serverUrl = testDatabaseUrl,
): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!serverUrl) throw new Error('createPostgresDatabase needs DATABASE_URL');
  const name = newTestDatabaseName(randomBytes(6).toString('hex'));
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: withDatabase(serverUrl, name),
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Where tests that need PostgreSQL whatever the suite's database make theirs: the suite's server, or the one here. */
export const postgresServerUrl = testDatabaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh PostgreSQL database even when the suite runs on PGlite; fails loudly without PostgreSQL (never skips). */
export async function createRequiredPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  try {
    return await createPostgresDatabase(postgresServerUrl);
  } catch (err) {
    throw new Error(
      `This test needs PostgreSQL at ${postgresServerUrl} (${(err as Error).message}). Start it; it never skips.`,
    );
  }
}
