// PGlite under drizzle: the types drizzle parses itself come to it as text, its queries run as prepared statements
// (one call into the database each, once prepared), and a query made outside drizzle gets PGlite's own values.
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, wrapPglite } from './db.js';

let client: PGlite;
let database: Database;
/** Calls into the database made through `execProtocol` (the prepared statements' way). */
let protocolCalls = 0;
/** Queries that went through PGlite's own `query`, and the options of the last one. */
let ownQueries = 0;
let lastOptions: Parameters<PGlite['query']>[2];

beforeAll(async () => {
  client = await PGlite.create();
  const execProtocol = client.execProtocol.bind(client);
  client.execProtocol = ((...args: Parameters<PGlite['execProtocol']>) => {
    protocolCalls++;
    return execProtocol(...args);
  }) as PGlite['execProtocol'];
  const query = client.query.bind(client);
  client.query = ((...args: Parameters<PGlite['query']>) => {
    ownQueries++;
    lastOptions = args[2];
    return query(...args);
  }) as PGlite['query'];
  database = wrapPglite(client);
  await database.query('CREATE TABLE t (id text PRIMARY KEY, n int, at timestamptz, d jsonb, ok boolean)');
});
afterAll(async () => {
  await client.close();
});

type Rows<T> = { rows: T[] };
const rowsOf = async <T>(q: Promise<unknown>) => ((await q) as Rows<T>).rows;

const VALUES = `SELECT timestamptz '2026-12-07 10:00:00.123+00' AS at,
  date '2026-12-07' AS day,
  interval '90 minutes' AS span,
  ARRAY[timestamptz '2026-12-07 10:00:00+00'] AS ats,
  ARRAY[1.5::numeric] AS amounts`;

describe('PGlite for drizzle', () => {
  it('gives drizzle the text PostgreSQL sends for the types it parses itself, without PGlite’s query', async () => {
    ownQueries = 0;
    const [row] = await rowsOf(database.db.execute(sql.raw(VALUES)));
    expect(row).toEqual({
      at: '2026-12-07 10:00:00.123+00',
      day: '2026-12-07',
      span: '01:30:00',
      ats: '{"2026-12-07 10:00:00+00"}',
      amounts: '{1.5}',
    });
    const at = await database.db.transaction(async (tx) => {
      const [r] = await rowsOf<{ at: unknown }>(
        tx.execute(sql`SELECT timestamptz '2026-12-07 10:00:00+00' AS at`),
      );
      return r!.at;
    });
    expect(at).toBe('2026-12-07 10:00:00+00');
    expect(ownQueries).toBe(0);
  });

  it("leaves a query made outside drizzle PGlite's own values, however often the client is wrapped", async () => {
    wrapPglite(client);
    const [row] = await wrapPglite(client).query<Record<string, unknown>>(VALUES);
    expect(row!.at).toEqual(new Date('2026-12-07T10:00:00.123Z'));
    expect(row!.day).toBeInstanceOf(Date);
    expect(row!.ats).toEqual([new Date('2026-12-07T10:00:00Z')]);
    expect(row!.amounts).toEqual(['1.5']);
  });

  it('prepares a text once, then runs it in one call into the database', async () => {
    const count = sql`SELECT count(*)::int AS n FROM t WHERE n > ${-1}`;
    protocolCalls = 0;
    await database.db.execute(count);
    expect(protocolCalls).toBe(2);
    for (let i = 0; i < 3; i++) await database.db.execute(count);
    expect(protocolCalls).toBe(5);
    const statements = await database.query<{ statement: string }>(
      'SELECT statement FROM pg_prepared_statements WHERE statement LIKE $1',
      ['%count(*)::int AS n FROM t%'],
    );
    expect(statements).toHaveLength(1);
  });

  it('sends each parameter as the type PostgreSQL inferred for it, and reads it back', async () => {
    const at = new Date('2026-12-07T11:12:13.456Z');
    await database.db.execute(
      sql`INSERT INTO t (id, n, at, d, ok) VALUES (${'a'}, ${7}, ${at}, ${JSON.stringify({ k: ['v'] })}::jsonb, ${true})`,
    );
    await database.db.execute(
      sql`INSERT INTO t (id, n, at, d, ok) VALUES (${'b'}, ${null}, ${null}, ${'{}'}, ${false})`,
    );
    const rows = await rowsOf(
      database.db.execute(
        sql`SELECT id, n, at, d, ok FROM t WHERE id = ANY(${sql.param(['a', 'b', `it's "quoted"`])}::text[]) ORDER BY id`,
      ),
    );
    expect(rows).toEqual([
      { id: 'a', n: 7, at: '2026-12-07 11:12:13.456+00', d: { k: ['v'] }, ok: true },
      { id: 'b', n: null, at: null, d: {}, ok: false },
    ]);
  });

  it('reports a failing statement as PostgreSQL does, and the next one runs', async () => {
    const insert = (id: string) => database.db.execute(sql`INSERT INTO t (id) VALUES (${id})`);
    await insert('dup');
    const failure = await insert('dup').catch((err: Error & { cause?: { code?: string } }) => err);
    expect((failure as { cause?: { code?: string } }).cause?.code).toBe('23505');
    const [row] = await rowsOf<{ n: number }>(
      database.db.execute(sql`SELECT count(*)::int AS n FROM t WHERE id = ${'dup'}`),
    );
    expect(row!.n).toBe(1);
  });

  it('keeps a transaction to itself: a query from outside waits for its end; a failure rolls it back', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let outside: Promise<unknown> | undefined;
    const inside = database.db.transaction(async (tx) => {
      await tx.execute(sql`INSERT INTO t (id) VALUES (${'tx-1'})`);
      outside = rowsOf<{ n: number }>(
        database.db.execute(sql`SELECT count(*)::int AS n FROM t WHERE id = ${'tx-1'}`),
      );
      await new Promise((r) => setTimeout(r, 20));
      release();
      await held;
      const [r] = await rowsOf<{ n: number }>(
        tx.execute(sql`SELECT count(*)::int AS n FROM t WHERE id = ${'tx-1'}`),
      );
      return r!.n;
    });
    expect(await inside).toBe(1);
    expect(await outside).toEqual([{ n: 1 }]);

    const failed = await database.db
      .transaction(async (tx) => {
        await tx.execute(sql`INSERT INTO t (id) VALUES (${'tx-2'})`);
        await tx.execute(sql`INSERT INTO t (id) VALUES (${'tx-2'})`);
      })
      .catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(Error);
    const [row] = await rowsOf<{ n: number }>(
      database.db.execute(sql`SELECT count(*)::int AS n FROM t WHERE id = ${'tx-2'}`),
    );
    expect(row!.n).toBe(0);
  });

  it('closes the least recently used statement past 256, and prepares one again when it is used again', async () => {
    for (let i = 0; i < 300; i++) await database.db.execute(sql.raw(`SELECT ${i} AS n`));
    const [kept] = await database.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE $1',
      ['steward_s%'],
    );
    expect(kept!.n).toBeLessThanOrEqual(257);
    expect(kept!.n).toBeGreaterThan(200);
    const [row] = await rowsOf(database.db.execute(sql.raw('SELECT 0 AS n')));
    expect(row).toEqual({ n: 0 });
  });

  it('runs a text with a long list of values as PGlite runs any query, unprepared', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `id-${i}`);
    ownQueries = 0;
    const [row] = await rowsOf<{ n: number }>(
      database.db.execute(sql`SELECT count(*)::int AS n FROM t WHERE id IN (${sql.join(ids, sql`, `)})`),
    );
    expect(row!.n).toBe(0);
    expect(ownQueries).toBe(1);
    expect(lastOptions).not.toHaveProperty('parsers');
  });

  it('prepares a statement again when the table under it changed', async () => {
    await database.query('CREATE TABLE u (id text)');
    await database.query("INSERT INTO u VALUES ('x')");
    const read = () => rowsOf(database.db.execute(sql`SELECT * FROM u`));
    expect(await read()).toEqual([{ id: 'x' }]);
    await database.query('ALTER TABLE u ADD COLUMN extra int DEFAULT 5');
    expect(await read()).toEqual([{ id: 'x', extra: 5 }]);
  });
});
