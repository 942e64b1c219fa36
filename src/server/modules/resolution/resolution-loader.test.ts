import { asc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../../test/support/test-database.js';
import type { Database } from '../../../store/db.js';
import { classes, objects } from '../../../store/schema.js';
import { loadResolutionInput } from './resolution-loader.js';

describe('loadResolutionInput', () => {
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
    const expected = await database.db
      .select({
        id: objects.id,
        classId: objects.classId,
        hostId: objects.hostId,
        name: objects.name,
        displayName: objects.displayName,
        properties: objects.properties,
      })
      .from(objects)
      .orderBy(asc(objects.id));
    expect(expected.length).toBeGreaterThanOrEqual(4_500);
    // Every object once, each equal to its row.
    expect([...input.objects].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))).toEqual(expected);
    const byId = new Map(input.objects.map((o) => [o.id, o]));
    expect(byId.get('obj_loader_host_7')?.properties).toEqual(odd);
    expect(byId.get('obj_loader_host_7')?.hostId).toBeNull();
    expect(byId.get('obj_loader_hosted_3')).toMatchObject({ hostId: 'obj_loader_host_3', name: 'part 3' });
  });
});
