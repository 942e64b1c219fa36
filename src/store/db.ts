// Opens the database: PostgreSQL through `pg` when a URL is given, otherwise embedded PGlite in a data directory.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { pgliteForDriver } from './pglite-driver.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything a repository can run queries on: the database or an open transaction. */
export type Executor = Db | Tx;

/**
 * A statement prepared once per executor for a query that runs on every request, so its SQL is not rebuilt
 * each time: `build` makes it, the first call on each database keeps it.
 */
export function preparedPerExecutor<Q>(build: (db: Executor) => Q): (db: Executor) => Q {
  const prepared = new WeakMap<Executor, Q>();
  return (db) => {
    let q = prepared.get(db);
    if (!q) {
      q = build(db);
      prepared.set(db, q);
    }
    return q;
  };
}

export type DbTarget =
  | { kind: 'postgres'; url: string; poolSize?: number }
  | { kind: 'pglite'; dataDir: string };

export interface Database {
  readonly db: Db;
  readonly kind: DbTarget['kind'];
  /** Runs a raw SQL text with positional parameters; used by the migrator and by health checks. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs `fn` on one dedicated connection (PostgreSQL) or the single PGlite connection. */
  withSession<T>(fn: (query: Database['query']) => Promise<T>): Promise<T>;
  /**
   * Calls `onNotice` for each `NOTIFY` on `channel` from any server (PostgreSQL; PGlite has no other
   * server), and with `connected` true each time the listening connection is (re)established — notices
   * sent while it was down are lost, so the caller catches up then. Returns the function that stops it.
   */
  listen?(
    channel: string,
    onNotice: (event: { connected?: boolean }) => void,
    onError?: (err: unknown) => void,
  ): () => Promise<void>;
  close(): Promise<void>;
}

export async function createDb(target: DbTarget): Promise<Database> {
  if (target.kind === 'postgres') return openPostgres(target.url, target.poolSize ?? 10);
  mkdirSync(target.dataDir, { recursive: true, mode: 0o700 });
  return wrapPglite(await PGlite.create(target.dataDir));
}

/** Wraps an already-open PGlite instance (tests restore a migrated snapshot into one). */
export function wrapPglite(client: PGlite): Database {
  const { driverClient, ownParsers } = pgliteForDriver(client);
  const db = drizzlePglite({ client: driverClient, schema }) as unknown as Db;
  const query: Database['query'] = async (text, params) =>
    (await client.query(text, params as unknown[], { parsers: ownParsers })).rows as never[];
  return {
    db,
    kind: 'pglite',
    query,
    withSession: (fn) => fn(query),
    close: () => client.close(),
  };
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client losing its server connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const client = await pool.connect();
  client.release();
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    query: async (text, params) => (await pool.query(text, params)).rows,
    withSession: async (fn) => {
      const conn = await pool.connect();
      try {
        return await fn(async (text, params) => (await conn.query(text, params)).rows);
      } finally {
        conn.release();
      }
    },
    listen: (channel, onNotice, onError) => listenPostgres(url, channel, onNotice, onError),
    close: () => pool.end(),
  };
}

/** One connection of its own, kept open: `LISTEN` holds it; after a failure it connects again (1 s, then up to 30 s). */
function listenPostgres(
  url: string,
  channel: string,
  onNotice: (event: { connected?: boolean }) => void,
  onError?: (err: unknown) => void,
): () => Promise<void> {
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let delayMs = 1000;
  const again = () => {
    client = undefined;
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delayMs);
    retry.unref();
    delayMs = Math.min(delayMs * 2, 30_000);
  };
  async function connect() {
    const c = new pg.Client({ connectionString: url, keepAlive: true });
    c.on('error', (err) => {
      onError?.(err);
      void c.end().catch(() => {});
      if (client === c) again();
    });
    c.on('notification', (n) => {
      if (n.channel === channel) onNotice({});
    });
    try {
      await c.connect();
      await c.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
      if (stopped) return void (await c.end());
      client = c;
      delayMs = 1000;
      onNotice({ connected: true });
    } catch (err) {
      onError?.(err);
      void c.end().catch(() => {});
      again();
    }
  }
  void connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}
