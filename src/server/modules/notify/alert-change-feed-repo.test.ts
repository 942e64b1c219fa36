// The notifier's read of the alert change feed: the followed changes after its cursor, in order, found through the
// index of those alone however many other records came between.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../../test/support/test-database.js';
import type { Database } from '../../../store/db.js';
import { changesAfter, FOLLOWED_CHANGES } from './alert-change-feed-repo.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
  // 5,000 records the notifier does not follow (a fleet's credential deliveries), with followed ones between.
  await database.query(
    `INSERT INTO audit_log (seq, at, actor, kind, target, details, prev_hash, hash)
     SELECT s, now(), 'agent:a', CASE s WHEN 10 THEN 'alert.raise' WHEN 2500 THEN 'subscription.create'
       WHEN 4990 THEN 'alert.update' ELSE 'credential.delivery' END, 'alert-' || s, '{}', $1, lpad(s::text, 64, '0')
     FROM generate_series(1, 5000) AS s`,
    ['0'.repeat(64)],
  );
  await database.query('ANALYZE audit_log');
});
afterAll(async () => {
  await database.close();
});

describe('the alert change feed', () => {
  it('returns the followed changes after the cursor, oldest first, a page at a time', async () => {
    const all = await changesAfter(database.db, 0, 10);
    expect(all.map((c) => [c.seq, c.kind])).toEqual([
      [10, 'alert.raise'],
      [2500, 'subscription.create'],
      [4990, 'alert.update'],
    ]);
    expect((await changesAfter(database.db, 10, 1)).map((c) => c.seq)).toEqual([2500]);
    expect(await changesAfter(database.db, 4990, 10)).toEqual([]);
  });

  it('is read through the index of the followed kinds, not by reading the records between', async () => {
    // As a prepared statement runs once PostgreSQL plans it for any parameters (a generic plan): the index is used
    // only if the query's own text proves its condition.
    const { sql, params } = changesAfter(database.db, 11, 500).toSQL();
    const plan = await database.withSession(async (query) => {
      await query('SET plan_cache_mode = force_generic_plan');
      try {
        await query(`PREPARE feed_page AS ${sql}`);
        const rows = await query<{ 'QUERY PLAN': string }>(
          `EXPLAIN EXECUTE feed_page(${params.map((p) => Number(p)).join(', ')})`,
        );
        await query('DEALLOCATE feed_page');
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      } finally {
        await query('RESET plan_cache_mode');
      }
    });
    expect(plan).toContain('audit_log_alert_feed_idx');
    expect(plan).not.toContain('audit_log_pkey');
    expect(plan).not.toContain('Seq Scan');
  });

  it('follows exactly the kinds the index was made for', async () => {
    const [index] = await database.query<{ def: string }>(
      `SELECT pg_get_indexdef('audit_log_alert_feed_idx'::regclass) AS def`,
    );
    for (const kind of FOLLOWED_CHANGES) expect(index!.def).toContain(`'${kind}'`);
    expect(index!.def.match(/'[a-z]+\.[a-z]+'/g)).toHaveLength(FOLLOWED_CHANGES.length);
  });
});
