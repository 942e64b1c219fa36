// Applies the SQL migrations kept in the repo, in order, once each, under an advisory lock.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from './db.js';

/** Same folder from `src/store` and from `dist/store`: migrations are read from the sources. */
const migrationsDir = fileURLToPath(new URL('../../src/store/migrations/', import.meta.url));
const LOCK_KEY = 7_420_001;

interface Journal {
  entries: { idx: number; tag: string }[];
}

export function listMigrations(): { tag: string; statements: string[] }[] {
  const journal = JSON.parse(readFileSync(`${migrationsDir}meta/_journal.json`, 'utf8')) as Journal;
  return [...journal.entries]
    .sort((a, b) => a.idx - b.idx)
    .map(({ tag }) => ({
      tag,
      statements: readFileSync(`${migrationsDir}${tag}.sql`, 'utf8')
        .split('--> statement-breakpoint')
        .map((s) => s.trim())
        .filter(Boolean),
    }));
}

/**
 * Brings the schema up to date. Several servers may start at once: the transaction-scoped advisory
 * lock makes the second wait, then find nothing left to do.
 */
export async function migrate(database: Database): Promise<string[]> {
  const applied: string[] = [];
  await database.withSession(async (query) => {
    await query('BEGIN');
    try {
      await query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      await query(
        'CREATE TABLE IF NOT EXISTS steward_migrations (tag text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const done = new Set(
        (await query<{ tag: string }>('SELECT tag FROM steward_migrations')).map((r) => r.tag),
      );
      for (const m of listMigrations()) {
        if (done.has(m.tag)) continue;
        for (const statement of m.statements) await query(statement);
        await query('INSERT INTO steward_migrations (tag) VALUES ($1)', [m.tag]);
        applied.push(m.tag);
      }
      await query('COMMIT');
    } catch (err) {
      await query('ROLLBACK');
      throw err;
    }
  });
  return applied;
}
