// Proves the class generation writes check their tree against: it moves on every change to classes, however
// made, and a change rolled back never leaves a number a later change could reuse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createClassTreeCache } from './class-tree-cache.js';
import { classGeneration } from './classes-repo.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const generation = () => classGeneration(t.database.db);

describe('class generation', () => {
  it('moves on a class made through the API and on a raw change to classes', async () => {
    const g0 = await generation();
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/classes',
      token: t.adminToken,
      body: { id: 'Generation.Test' },
    });
    expect(res.statusCode).toBe(201);
    const g1 = await generation();
    expect(g1).not.toBe(g0);
    await t.database.query(`UPDATE classes SET description = 'changed' WHERE id = 'Generation.Test'`);
    expect(await generation()).not.toBe(g1);
  });

  it('never gives a rolled-back change’s number to a later change', async () => {
    const before = await generation();
    let seenInside = '';
    await t.database.withSession(async (q) => {
      await q('BEGIN');
      await q(`UPDATE classes SET description = 'rolled back' WHERE id = 'Generation.Test'`);
      seenInside = (await q<{ g: string }>('SELECT generation::text AS g FROM steward_class_generation'))[0]!
        .g;
      await q('ROLLBACK');
    });
    expect(seenInside).not.toBe(before);
    expect(await generation()).toBe(before);
    await t.database.query(`UPDATE classes SET description = 'committed' WHERE id = 'Generation.Test'`);
    const after = await generation();
    expect([before, seenInside]).not.toContain(after);
  });

  it('gives writes the tree read again once classes changed', async () => {
    const cache = createClassTreeCache(t.database.db);
    const first = await cache.inTransaction(t.database.db);
    expect(await cache.inTransaction(t.database.db)).toBe(first);
    await t.database.query(`INSERT INTO classes (id, pack_id, base_class_id, display_name, description, abstract, hosted, key_properties, properties)
      SELECT 'Generation.Raw', pack_id, 'System.Entity', 'Raw', '', false, false, '[]'::jsonb, '[]'::jsonb FROM classes WHERE id = 'Generation.Test'`);
    const second = await cache.inTransaction(t.database.db);
    expect(second).not.toBe(first);
    expect(second.has('Generation.Raw')).toBe(true);
  });
});
