// Migrates once per run: a PGlite snapshot to restore per test file, or a PostgreSQL template database.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { createDb, wrapPglite } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import {
  DB_PREFIX,
  isStaleTestDatabase,
  snapshotPath,
  TEMPLATE_DB,
  testDatabaseUrl,
  withDatabase,
} from './test-db-target.js';

export default async function setup(): Promise<() => Promise<void>> {
  // Workers are forked after this and inherit it: they name their databases after this run.
  process.env.STEWARD_TEST_RUN = String(process.pid);
  if (testDatabaseUrl) {
    const admin = new pg.Client({ connectionString: testDatabaseUrl });
    try {
      await admin.connect();
    } catch (err) {
      throw new Error(
        `DATABASE_URL is set but PostgreSQL cannot be reached (${(err as Error).message}). Start it; tests never skip.`,
      );
    }
    const stale = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'steward_test_%'`);
    for (const row of stale.rows) {
      if (isStaleTestDatabase(row.datname) || row.datname.startsWith(DB_PREFIX)) {
        await admin.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
      }
    }
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
    const database = await createDb({ kind: 'postgres', url: withDatabase(testDatabaseUrl, TEMPLATE_DB) });
    await migrate(database);
    await database.close();
    await admin.end();
    return async () => {
      const c = new pg.Client({ connectionString: testDatabaseUrl });
      await c.connect();
      const rows = await c.query(`SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, [
        DB_PREFIX,
      ]);
      for (const row of rows.rows) await c.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
      await c.end();
    };
  }
  const client = await PGlite.create();
  await migrate(wrapPglite(client));
  const dump = await client.dumpDataDir('gzip');
  mkdirSync(dirname(snapshotPath), { recursive: true });
  // Written beside and renamed into place: a concurrent run never reads half a snapshot.
  const tmp = `${snapshotPath}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
  renameSync(tmp, snapshotPath);
  await client.close();
  return async () => {};
}
