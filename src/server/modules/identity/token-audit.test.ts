// Proves the token.issue records' group commit: records that arrive together are all committed, in order of
// arrival, each caller told only once its record is in the database; a failed transaction rejects the callers
// of its batch (their tokens are then not handed out) and the next records are written again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createTokenAudit } from './token-audit.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const count = async (target: string) =>
  Number(
    (
      await t.database.query<{ n: string }>(
        `SELECT count(*) AS n FROM audit_log WHERE kind = 'token.issue' AND target = $1`,
        [target],
      )
    )[0]?.n,
  );

describe('token audit group commit', () => {
  it('commits every record of a burst, each caller resolved only once its record is stored', async () => {
    const audit = createTokenAudit({ db: t.database.db });
    const seen: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        audit
          .record({ actor: 'job:job_burst', target: 'aa_burst', details: { i, audience: 'a' } })
          .then(async () => seen.push(await count('aa_burst'))),
      ),
    );
    expect(await count('aa_burst')).toBe(40);
    // When a caller hears back, its record (and every one before it) is in the database.
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(1);
    const order = await t.database.query<{ i: number }>(
      `SELECT (details->>'i')::int AS i FROM audit_log WHERE target = 'aa_burst' ORDER BY seq`,
    );
    expect(order.map((r) => r.i)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    await audit.flush();
  });

  it('rejects the callers of a batch whose transaction failed, and writes the next ones', async () => {
    const audit = createTokenAudit({ db: t.database.db });
    // NUL cannot be stored in jsonb text: the transaction fails.
    const failed = audit.record({ actor: 'job:x', target: 'aa_bad', details: { bad: 'a\u0000b' } });
    await expect(failed).rejects.toThrow();
    await audit.record({ actor: 'job:y', target: 'aa_after', details: {} });
    expect(await count('aa_bad')).toBe(0);
    expect(await count('aa_after')).toBe(1);
  });
});
