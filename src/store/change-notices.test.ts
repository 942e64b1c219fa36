// Change notices between servers: every committed audit record raises a notice on `steward_changes`;
// PostgreSQL's listeners hear it at commit from any connection (PGlite serves one process and needs none).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/support/test-database.js';
import type { Database } from './db.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const insertAudit = (seq: number) =>
  database.query(
    `INSERT INTO audit_log (seq, at, actor, kind, target, details, prev_hash, hash)
     VALUES ($1, now(), 'test', 'test.notice', null, '{}', $2, $3)`,
    [seq, '0'.repeat(64), String(seq).padStart(64, '0')],
  );

describe('change notices', () => {
  it('are raised by a trigger on the audit log, once per statement', async () => {
    const triggers = await database.query<{ tgname: string; tgtype: number }>(
      `SELECT tgname, tgtype FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass AND NOT tgisinternal`,
    );
    const notice = triggers.find((t) => t.tgname === 'audit_log_notify_changes');
    // tgtype bit 0 set: a row trigger; clear: once per statement.
    expect(notice && notice.tgtype & 1).toBe(0);
  });

  it('reach a listener on PostgreSQL at commit, and stop when it stops listening', async () => {
    if (database.kind === 'pglite') {
      // One process, one server: changes are followed by its own writes and the poll.
      expect(database.listen).toBeUndefined();
      return;
    }
    const notices: { connected?: boolean }[] = [];
    const errors: unknown[] = [];
    const stop = database.listen!(
      'steward_changes',
      (e) => notices.push(e),
      (e) => errors.push(e),
    );
    const until = async (n: number) => {
      const start = Date.now();
      while (notices.length < n && Date.now() - start < 2000) await new Promise((r) => setTimeout(r, 10));
      return Date.now() - start;
    };
    await until(1);
    expect(notices).toEqual([{ connected: true }]);
    await insertAudit(900_001);
    expect(await until(2)).toBeLessThan(500);
    expect(notices[1]).toEqual({});
    // Inside a transaction: nothing until it commits.
    await database.withSession(async (q) => {
      await q('BEGIN');
      await q(
        `INSERT INTO audit_log (seq, at, actor, kind, target, details, prev_hash, hash)
         VALUES (900002, now(), 'test', 'test.notice', null, '{}', $1, $2)`,
        ['0'.repeat(64), '2'.padStart(64, '0')],
      );
      await new Promise((r) => setTimeout(r, 200));
      expect(notices.length).toBe(2);
      await q('COMMIT');
    });
    await until(3);
    expect(notices.length).toBe(3);
    await stop();
    await insertAudit(900_003);
    await new Promise((r) => setTimeout(r, 300));
    expect(notices.length).toBe(3);
    expect(errors).toEqual([]);
  });
});
