// Which database the suite runs on: PGlite by default, PostgreSQL when DATABASE_URL is set (CI runs both).
import { join } from 'node:path';

export const testDatabaseUrl = process.env.DATABASE_URL;
/**
 * Every database a test run makes is named after the run (the vitest main process id, passed to workers
 * through the environment), so two runs on one PostgreSQL never drop each other's databases.
 */
export const runId = process.env.STEWARD_TEST_RUN ?? String(process.pid);
export const DB_PREFIX = `steward_test_${runId}_`;
export const TEMPLATE_DB = `${DB_PREFIX}template`;
export const newTestDatabaseName = (suffix: string) => `${DB_PREFIX}${suffix}`;

/** Databases of runs whose process is gone: left by a crash, safe to drop. */
export function isStaleTestDatabase(name: string): boolean {
  const m = /^steward_test_(\d+)_/.exec(name);
  if (!m) return name.startsWith('steward_test_');
  try {
    process.kill(Number(m[1]), 0);
    return false;
  } catch {
    return true;
  }
}
export const snapshotPath = join(process.cwd(), '.steward-test', 'pglite-migrated.tar.gz');

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
