// Proves that changes are audited in their own transaction, that listing filters by actor, kind and time,
// and that verification names an edited record and a deleted one.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { auditLog } from '../../../store/schema.js';
import { appendAudit, hashRecord } from './audit-repo.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const list = async (query: string) =>
  (await t.request({ method: 'GET', url: `/api/v1/audit?${query}`, token: t.adminToken })).json().items as {
    seq: number;
    kind: string;
    actor: string;
    details: Record<string, unknown>;
  }[];

describe('audit log', () => {
  it('records a user creation with its actor, and never the password', async () => {
    const password = 'a-password-nobody-sees';
    await t.request({
      method: 'POST',
      url: '/api/v1/users',
      token: t.adminToken,
      body: { username: 'audited', role: 'operator', password },
    });
    const items = await list('kind=user.create');
    const rec = items.find((i) => i.details.username === 'audited');
    expect(rec?.actor).toMatch(/^user:administrator-/);
    const all = await t.request({ method: 'GET', url: '/api/v1/audit?limit=1000', token: t.adminToken });
    expect(all.body).not.toContain(password);
  });

  it('filters by kind prefix, actor and time', async () => {
    const users = await list('kind=user.*');
    expect(users.length).toBeGreaterThan(0);
    expect(users.every((u) => u.kind.startsWith('user.'))).toBe(true);
    expect((await list('actor=system')).every((r) => r.actor === 'system')).toBe(true);
    expect(await list(`since=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`)).toEqual(
      [],
    );
  });

  it('rejects a malformed time filter naming the field', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/audit?since=yesterday', token: t.adminToken });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues[0].path).toBe('querystring.since');
  });

  it('does not keep an audit record when the change rolls back', async () => {
    const before = (await list('limit=1000')).length;
    await expect(
      t.database.db.transaction(async (tx) => {
        await appendAudit(tx, { actor: 'test', kind: 'test.rolled-back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await list('limit=1000')).length).toBe(before);
  });

  it('verifies an untouched chain, then names an edited record and a deleted one', async () => {
    for (let i = 0; i < 4; i++)
      await t.database.db.transaction((tx) =>
        appendAudit(tx, { actor: 'test', kind: 'test.entry', details: { i } }),
      );
    const ok = (await t.request({ method: 'GET', url: '/api/v1/audit/verify', token: t.adminToken })).json();
    expect(ok).toMatchObject({ ok: true, problems: [] });

    const entries = await list('kind=test.entry');
    const edited = entries[1]!.seq;
    const deleted = entries[2]!.seq;
    await t.database.db.execute(sql`UPDATE audit_log SET details = '{"i": 99}'::jsonb WHERE seq = ${edited}`);
    await t.database.db.execute(sql`DELETE FROM audit_log WHERE seq = ${deleted}`);

    const bad = (await t.request({ method: 'GET', url: '/api/v1/audit/verify', token: t.adminToken })).json();
    expect(bad.ok).toBe(false);
    const messages = bad.problems.map((p: { message: string }) => p.message).join('\n');
    expect(messages).toContain(`Record #${edited} was edited`);
    expect(messages).toContain(`from #${deleted}`);
  });

  it('names records deleted from the end of the log', async () => {
    for (let i = 0; i < 2; i++)
      await t.database.db.transaction((tx) =>
        appendAudit(tx, { actor: 'test', kind: 'test.tail', details: { i } }),
      );
    const tail = await list('kind=test.tail');
    await t.database.db.execute(sql`DELETE FROM audit_log WHERE seq = ${tail[1]!.seq}`);
    const bad = (await t.request({ method: 'GET', url: '/api/v1/audit/verify', token: t.adminToken })).json();
    expect(bad.problems).toContainEqual(
      expect.objectContaining({ problem: 'tail-deleted', seq: tail[1]!.seq }),
    );
  });

  it("catches a forger who also recomputes the edited record's hash: without the key it cannot match", async () => {
    for (let i = 0; i < 3; i++)
      await t.database.db.transaction((tx) =>
        appendAudit(tx, { actor: 'test', kind: 'test.forge', details: { i } }),
      );
    const [first] = await t.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.kind, 'test.forge'))
      .orderBy(auditLog.seq)
      .limit(1);
    const forged = { ...first!, details: { i: 42 } };
    await t.database.db
      .update(auditLog)
      .set({ details: forged.details, hash: hashRecord(forged, undefined) })
      .where(eq(auditLog.seq, first!.seq));
    const bad = (await t.request({ method: 'GET', url: '/api/v1/audit/verify', token: t.adminToken })).json();
    expect(bad.problems).toContainEqual(expect.objectContaining({ problem: 'edited', seq: first!.seq }));
    expect(bad.problems).toContainEqual(
      expect.objectContaining({ problem: 'chain-broken', seq: first!.seq + 1 }),
    );
  });
});
