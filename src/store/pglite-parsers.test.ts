// PGlite under drizzle: the types drizzle parses itself come to it as text without each query asking, and a
// query made outside drizzle still gets PGlite's own values.
import { PGlite, type QueryOptions } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrapPglite } from './db.js';

let client: PGlite;
/** The options of every query that reached PGlite. */
const asked: (QueryOptions | undefined)[] = [];

beforeAll(async () => {
  client = await PGlite.create();
  const query = client.query.bind(client);
  const transaction = client.transaction.bind(client);
  const spy = (run: PGlite['query']) => (text: string, params?: unknown[], options?: QueryOptions) => {
    asked.push(options);
    return run(text, params, options);
  };
  client.query = spy(query) as PGlite['query'];
  client.transaction = ((fn: (tx: unknown) => Promise<unknown>) =>
    transaction((tx) =>
      fn(Object.create(tx, { query: { value: spy(tx.query.bind(tx) as PGlite['query']) } })),
    )) as PGlite['transaction'];
});
afterAll(async () => {
  await client.close();
});

const VALUES = `SELECT timestamptz '2026-12-07 10:00:00.123+00' AS at,
  date '2026-12-07' AS day,
  interval '90 minutes' AS span,
  ARRAY[timestamptz '2026-12-07 10:00:00+00'] AS ats,
  ARRAY[1.5::numeric] AS amounts`;

describe('PGlite parsers for drizzle', () => {
  it('give drizzle the text PostgreSQL sends, with no parsers on the query', async () => {
    const { db } = wrapPglite(client);
    asked.length = 0;
    const result = (await db.execute(sql.raw(VALUES))) as unknown as { rows: Record<string, unknown>[] };
    expect(result.rows[0]).toEqual({
      at: '2026-12-07 10:00:00.123+00',
      day: '2026-12-07',
      span: '01:30:00',
      ats: '{"2026-12-07 10:00:00+00"}',
      amounts: '{1.5}',
    });
    expect(asked).toHaveLength(1);
    expect(asked[0]).not.toHaveProperty('parsers');
  });

  it('do the same inside a transaction', async () => {
    const { db } = wrapPglite(client);
    asked.length = 0;
    const at = await db.transaction(async (tx) => {
      const r = (await tx.execute(sql`SELECT timestamptz '2026-12-07 10:00:00+00' AS at`)) as unknown as {
        rows: { at: unknown }[];
      };
      return r.rows[0]!.at;
    });
    expect(at).toBe('2026-12-07 10:00:00+00');
    expect(asked).toHaveLength(1);
    for (const options of asked) expect(options).not.toHaveProperty('parsers');
  });

  it("leave a query made outside drizzle PGlite's own values, however often the client is wrapped", async () => {
    wrapPglite(client);
    const database = wrapPglite(client);
    const [row] = await database.query<Record<string, unknown>>(VALUES);
    expect(row!.at).toEqual(new Date('2026-12-07T10:00:00.123Z'));
    expect(row!.day).toBeInstanceOf(Date);
    expect(row!.ats).toEqual([new Date('2026-12-07T10:00:00Z')]);
    expect(row!.amounts).toEqual(['1.5']);
  });
});
