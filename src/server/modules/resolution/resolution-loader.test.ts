import { asc, desc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../../test/support/test-database.js';
import type { Database } from '../../../store/db.js';
import { auditLog, classes, computers, objects, pools } from '../../../store/schema.js';
import { objectDefColumns } from '../inventory/objects-repo.js';
import { loadChangesAfter, loadResolutionInput } from './resolution-loader.js';

describe('resolution loader', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  it('reads every object whole, across pages, with its properties as stored', async () => {
    const odd = {
      name: 'Zoë ☃ 𝄞',
      quoted: 'a "quote", a back\\slash, a tab\t and a newline\n',
      nested: { list: [1, null, 'x', { deep: true }], empty: {} },
      number: 12.5,
    };
    await database.db.insert(classes).values([
      { id: 'Loader.Host', displayName: 'Host' },
      { id: 'Loader.Part', displayName: 'Part', hosted: true },
    ]);
    const hosts = Array.from({ length: 2_500 }, (_, i) => ({
      id: `obj_loader_host_${i}`,
      classId: 'Loader.Host',
      name: `host-${i}.example.test`,
      displayName: `Host ${i}`,
      properties: i === 7 ? odd : { index: i },
    }));
    const hosted = hosts.slice(0, 2_000).map((h, i) => ({
      id: `obj_loader_hosted_${i}`,
      classId: 'Loader.Part',
      name: `part ${i}`,
      displayName: `Part ${i} of ${h.name}`,
      hostId: h.id,
    }));
    for (let i = 0; i < hosts.length; i += 500)
      await database.db.insert(objects).values(hosts.slice(i, i + 500));
    for (let i = 0; i < hosted.length; i += 500)
      await database.db.insert(objects).values(hosted.slice(i, i + 500));

    const input = await loadResolutionInput(database.db, new Date(0));
    const expected = await database.db.select(objectDefColumns).from(objects).orderBy(asc(objects.id));
    expect(expected.length).toBeGreaterThanOrEqual(4_500);
    // Every object once, each equal to its row.
    expect([...input.objects].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))).toEqual(expected);
    const byId = new Map(input.objects.map((o) => [o.id, o]));
    expect(byId.get('obj_loader_host_7')?.properties).toEqual(odd);
    expect(byId.get('obj_loader_host_7')?.hostId).toBeNull();
    expect(byId.get('obj_loader_hosted_3')).toMatchObject({ hostId: 'obj_loader_host_3', name: 'part 3' });
  });

  it('reads the changes after a point with the objects and runners they name, as they are now', async () => {
    await database.db.insert(objects).values([
      { id: 'obj_feed_plain', classId: 'Loader.Host', name: 'plain', displayName: 'Plain' },
      { id: 'obj_feed_computer', classId: 'Loader.Host', name: 'feed-c', displayName: 'Feed C' },
      { id: 'obj_feed_pool', classId: 'Loader.Host', name: 'feed-pool', displayName: 'Feed pool' },
    ]);
    await database.db
      .insert(computers)
      .values({ id: 'obj_feed_computer', name: 'feed-c', defaultActionAccountId: 'acct_feed' });
    await database.db.insert(pools).values({ id: 'obj_feed_pool', name: 'feed-pool', membership: 'manual' });
    const [head] = await database.db
      .select({ seq: auditLog.seq })
      .from(auditLog)
      .orderBy(desc(auditLog.seq))
      .limit(1);
    const after = head?.seq ?? 0;
    const record = (n: number, kind: string, target: string | null) => ({
      seq: after + n,
      at: new Date(),
      actor: 'user:test',
      kind,
      target,
      prevHash: 'x',
      hash: 'y',
    });
    await database.db
      .insert(auditLog)
      .values([
        record(1, 'object.create', 'obj_feed_plain'),
        record(2, 'computer.update', 'obj_feed_computer'),
        record(3, 'pool.update', 'obj_feed_pool'),
        record(4, 'object.delete', 'obj_feed_gone'),
        record(5, 'account.update', 'obj_feed_plain_but_an_account'),
        record(6, 'server.stop', null),
      ]);

    const all = await loadChangesAfter(database.db, after, 500);
    expect(all.records).toEqual([
      { seq: after + 1, kind: 'object.create', target: 'obj_feed_plain' },
      { seq: after + 2, kind: 'computer.update', target: 'obj_feed_computer' },
      { seq: after + 3, kind: 'pool.update', target: 'obj_feed_pool' },
      { seq: after + 4, kind: 'object.delete', target: 'obj_feed_gone' },
      { seq: after + 5, kind: 'account.update', target: 'obj_feed_plain_but_an_account' },
      { seq: after + 6, kind: 'server.stop', target: null },
    ]);
    expect([...all.objects.keys()].sort()).toEqual([
      'obj_feed_computer',
      'obj_feed_gone',
      'obj_feed_plain',
      'obj_feed_pool',
    ]);
    expect(all.objects.get('obj_feed_plain')).toMatchObject({ name: 'plain', hostId: null, properties: {} });
    expect(all.objects.get('obj_feed_gone')).toBeUndefined();
    expect(Object.fromEntries(all.runners)).toEqual({
      obj_feed_computer: { id: 'obj_feed_computer', kind: 'agent', defaultActionAccountId: 'acct_feed' },
      obj_feed_pool: { id: 'obj_feed_pool', kind: 'pool', defaultActionAccountId: null },
    });

    // A page: the first records only, and only what they name.
    const page = await loadChangesAfter(database.db, after, 2);
    expect(page.records.map((r) => r.seq)).toEqual([after + 1, after + 2]);
    expect([...page.objects.keys()].sort()).toEqual(['obj_feed_computer', 'obj_feed_plain']);
    expect([...page.runners.keys()]).toEqual(['obj_feed_computer']);
    // Nothing after the last record.
    expect((await loadChangesAfter(database.db, after + 6, 500)).records).toEqual([]);
  });
});
