// Which database the suite runs on: PGlite by default, PostgreSQL when DATABASE_URL is set (CI runs both).
import { join } from 'node:path';

export const testDatabaseUrl = process.env.DATABASE_URL;
export const TEMPLATE_DB = 'steward_test_template';
export const snapshotPath = join(process.cwd(), '.steward-test', 'pglite-migrated.tar.gz');

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
