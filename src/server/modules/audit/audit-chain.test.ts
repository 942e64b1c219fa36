// Proves the keyed audit chain against someone who can write the database but does not hold the root key:
// records rewritten with recomputed plain hashes from any point are caught, a tail cut off with the head moved
// is caught by a checkpoint kept elsewhere, and records chained under an earlier root key verify while the
// server holds that key (and are named unverifiable, not edited, once it does not).
import { desc, eq, gte, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createKeyring, generateRootKey } from '../../../crypto/keyring.js';
import { auditHead, auditLog } from '../../../store/schema.js';
import {
  type AuditRecord,
  appendAudit,
  appendAuditBatch,
  hashRecord,
  useAuditChainKeys,
  verifyAudit,
} from './audit-repo.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const append = async (n: number, kind: string) => {
  for (let i = 0; i < n; i++)
    await t.database.db.transaction((tx) => appendAudit(tx, { actor: 'test', kind, details: { i } }));
};
const verify = async (query = '') =>
  (await t.request({ method: 'GET', url: `/api/v1/audit/verify${query}`, token: t.adminToken })).json();
const checkpoint = async () =>
  (await t.request({ method: 'GET', url: '/api/v1/audit/checkpoint', token: t.adminToken })).json();

/** What a forger with database access can do: rewrite records from `seq` on, recomputing every plain hash. */
async function rewriteFrom(seq: number, change: (r: AuditRecord) => AuditRecord) {
  const rows = (await t.database.db
    .select()
    .from(auditLog)
    .where(gte(auditLog.seq, seq))
    .orderBy(auditLog.seq)) as AuditRecord[];
  const [before] = await t.database.db
    .select()
    .from(auditLog)
    .where(eq(auditLog.seq, seq - 1));
  let prevHash = before?.hash ?? '0'.repeat(64);
  for (const r of rows) {
    const next = { ...change(r), prevHash, keyId: null };
    const hash = hashRecord(next, undefined);
    await t.database.db
      .update(auditLog)
      .set({ details: next.details, prevHash, hash, keyId: null })
      .where(eq(auditLog.seq, r.seq));
    prevHash = hash;
  }
  const [last] = await t.database.db.select().from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
  await t.database.db.update(auditHead).set({ seq: last!.seq, hash: last!.hash }).where(eq(auditHead.id, 1));
}

describe('the keyed audit chain', () => {
  it('verifies a clean chain, keyed from its first record, and gives a checkpoint', async () => {
    await append(3, 'chain.clean');
    const r = await verify();
    expect(r).toMatchObject({ ok: true, problems: [], keyedFrom: 1 });
    const cp = await checkpoint();
    expect(cp.seq).toBe(r.checked);
    expect(cp.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await verify(`?checkpointSeq=${cp.seq}&checkpointHash=${cp.hash}`)).ok).toBe(true);
  });

  it('chains a batch appended in one statement record by record, each after the one before it', async () => {
    await append(1, 'chain.before-batch');
    const batch = await t.database.db.transaction((tx) =>
      appendAuditBatch(
        tx,
        Array.from({ length: 1200 }, (_, i) => ({ actor: 'test', kind: 'chain.batch', details: { i } })),
      ),
    );
    await append(1, 'chain.after-batch');
    expect(batch.map((r) => r.seq)).toEqual(batch.map((_, i) => batch[0]!.seq + i));
    expect(batch.slice(1).every((r, i) => r.prevHash === batch[i]!.hash)).toBe(true);
    const r = await verify();
    expect(r).toMatchObject({ ok: true, problems: [] });
    const head = await checkpoint();
    expect(head.seq).toBe(batch.at(-1)!.seq + 1);
  });

  it('has no forks when many transactions append at once (each reads the end after taking the lock)', async () => {
    // On PostgreSQL these are separate connections racing for the chain; PGlite runs them one after another.
    const appended = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        t.database.db.transaction(async (tx) => {
          await tx.execute(sql`SELECT pg_sleep(${(i % 4) / 1000})`);
          return appendAuditBatch(tx, [
            { actor: 'test', kind: 'chain.race', details: { i, part: 1 } },
            { actor: 'test', kind: 'chain.race', details: { i, part: 2 } },
          ]);
        }),
      ),
    );
    const seqs = appended.flat().map((r) => r.seq);
    expect(new Set(seqs).size).toBe(48);
    const r = await verify();
    expect(r).toMatchObject({ ok: true, problems: [] });
    expect((await checkpoint()).seq).toBe(Math.max(...seqs));
  });
  it('refuses a checkpoint given by half, naming the field', async () => {
    const r = await t.request({
      method: 'GET',
      url: '/api/v1/audit/verify?checkpointSeq=3',
      token: t.adminToken,
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.issues[0].path).toBe('querystring.checkpointHash');
  });

  it('catches a log cut back and its head moved, given a checkpoint kept elsewhere', async () => {
    await append(4, 'chain.tail');
    const cp = await checkpoint();
    const keep = cp.seq - 2;
    await t.database.db.execute(sql`DELETE FROM audit_log WHERE seq > ${keep}`);
    const [last] = await t.database.db.select().from(auditLog).where(eq(auditLog.seq, keep));
    await t.database.db.update(auditHead).set({ seq: keep, hash: last!.hash }).where(eq(auditHead.id, 1));
    // Without the checkpoint the shorter chain holds together: this is what a checkpoint is for.
    expect((await verify()).ok).toBe(true);
    const r = await verify(`?checkpointSeq=${cp.seq}&checkpointHash=${cp.hash}`);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([expect.objectContaining({ problem: 'checkpoint-mismatch', seq: cp.seq })]);
  });

  it('catches records rewritten from a point with recomputed plain hashes, the head moved along', async () => {
    await append(5, 'chain.rewrite');
    const cp = await checkpoint();
    const from = cp.seq - 3;
    await rewriteFrom(from, (r) => ({ ...r, details: { i: 'forged' } }));
    const r = await verify(`?checkpointSeq=${cp.seq}&checkpointHash=${cp.hash}`);
    expect(r.ok).toBe(false);
    const unkeyed = r.problems.filter((p: { problem: string }) => p.problem === 'unkeyed');
    expect(unkeyed.map((p: { seq: number }) => p.seq)).toEqual([from, from + 1, from + 2, from + 3]);
    expect(r.problems).toContainEqual(expect.objectContaining({ problem: 'checkpoint-mismatch' }));
    // Keeping the key id does not help the forger either: the HMAC cannot be made without the key.
    const [row] = await t.database.db.select().from(auditLog).where(eq(auditLog.seq, 1));
    await t.database.db
      .update(auditLog)
      .set({
        details: { forged: true },
        hash: hashRecord({ ...(row as AuditRecord), details: { forged: true } }, undefined),
      })
      .where(eq(auditLog.seq, 1));
    expect((await verify()).problems).toContainEqual(expect.objectContaining({ problem: 'edited', seq: 1 }));
  });
});

describe('root keys and the chain', () => {
  it('verifies records chained under an earlier root key while it is held, and names them unverifiable after', async () => {
    const database = t.database;
    await database.db.execute(sql`DELETE FROM audit_log`);
    await database.db.execute(sql`DELETE FROM audit_head`);
    const old = generateRootKey();
    const next = generateRootKey();
    useAuditChainKeys(createKeyring({ current: () => old, find: (id) => (id === old.id ? old : undefined) }));
    await append(2, 'chain.old-key');
    const both = createKeyring({
      current: () => next,
      find: (id) => [old, next].find((k) => k.id === id),
    });
    useAuditChainKeys(both);
    await append(2, 'chain.new-key');
    const held = await verifyAudit(database.db);
    expect(held.problems).toEqual([]);
    useAuditChainKeys(
      createKeyring({ current: () => next, find: (id) => (id === next.id ? next : undefined) }),
    );
    const gone = await verifyAudit(database.db);
    expect(gone.problems.map((p) => [p.seq, p.problem])).toEqual([
      [1, 'unverifiable'],
      [2, 'unverifiable'],
    ]);
  });
});
