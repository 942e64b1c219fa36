// Objects asked for together are written together: one transaction, one insert, one audit append, and each
// request still answered as it would be alone (a name taken, a host gone, a bad property fail only their own).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';

let t: TestApp;
let computer: string;

const api = (method: string, url: string, body?: unknown) =>
  t.request({ method, url, body, token: t.adminToken });
const create = (hostId: string, instanceName: string, port: unknown = 1433) =>
  api('POST', '/api/v1/objects', { classId: 'Batch.Instance', hostId, properties: { instanceName, port } });
const createdTogether = async (ids: string[]) =>
  t.database.query<{ at: string; n: number }>(
    'SELECT created_at::text AS at, count(*)::int AS n FROM objects WHERE id = ANY($1) GROUP BY created_at',
    [ids],
  );
const audited = async (ids: string[]) =>
  t.database.query<{ target: string }>(
    "SELECT target FROM audit_log WHERE kind = 'object.create' AND target = ANY($1)",
    [ids],
  );

beforeAll(async () => {
  t = await createTestApp();
  for (const c of [
    { id: 'Batch.Computer', baseClassId: 'System.Computer' },
    {
      id: 'Batch.Instance',
      hosted: true,
      keyProperties: ['instanceName'],
      properties: [
        { name: 'instanceName', type: 'string' },
        { name: 'port', type: 'int' },
      ],
    },
  ]) {
    const res = await api('POST', '/api/v1/classes', c);
    if (res.statusCode !== 201) throw new Error(res.body);
  }
  computer = (
    await api('POST', '/api/v1/computers', { name: 'batch.contoso.com', classId: 'Batch.Computer' })
  ).json().id;
});
afterAll(() => t.close());

describe('objects created together', () => {
  it('share transactions and each has its audit record', async () => {
    // The host's chain in memory, so every request reaches the write without waiting on the database.
    expect((await api('GET', `/api/v1/objects/${computer}`)).statusCode).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => create(computer, `together-${i}`)),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(20).fill(201));
    const ids = answers.map((a) => a.json().id as string);
    expect(new Set(answers.map((a) => a.json().name))).toEqual(
      new Set(Array.from({ length: 20 }, (_, i) => `together-${i}`)),
    );
    // now() is the transaction's start: one time per transaction. Requests that reached the server in the
    // same turn share one; a few turns at most for twenty (one insert each before).
    const transactions = await createdTogether(ids);
    expect(transactions.reduce((n, g) => n + g.n, 0)).toBe(20);
    expect(transactions.length).toBeLessThanOrEqual(4);
    expect((await audited(ids)).map((r) => r.target).sort()).toEqual([...ids].sort());
    const verify = await api('GET', '/api/v1/audit/verify');
    expect(verify.json().problems).toEqual([]);
  });

  it('a name taken, an unknown host or a bad property fails only the request that asked', async () => {
    const answers = await Promise.all([
      create(computer, 'mixed-a'),
      create(computer, 'mixed-dup'),
      create(computer, 'mixed-dup'),
      create('object_nosuchhost', 'mixed-b'),
      create(computer, 'mixed-c', 'not a number'),
      create(computer, 'mixed-d'),
    ]);
    const codes = answers.map((a) => a.statusCode);
    expect([codes[0], codes[3], codes[4], codes[5]]).toEqual([201, 400, 400, 201]);
    expect([codes[1], codes[2]].sort()).toEqual([201, 409]);
    expect(answers[3]!.json().error.issues).toEqual([
      { path: 'body.hostId', message: 'names no known object' },
    ]);
    expect(answers[4]!.json().error.issues[0].path).toBe('body.properties.port');
    const taken = answers[codes[1] === 409 ? 1 : 2]!.json().error;
    expect(taken.message).toContain("named 'mixed-dup'");
    const ids = answers.filter((a) => a.statusCode === 201).map((a) => a.json().id as string);
    expect(ids).toHaveLength(3);
    expect((await createdTogether(ids)).length).toBeLessThan(3);
    expect((await audited(ids)).length).toBe(3);
    const names = (await api('GET', `/api/v1/objects?host=${computer}&limit=500`))
      .json()
      .items.map((o: { name: string }) => o.name);
    expect(names.filter((n: string) => n.startsWith('mixed-')).sort()).toEqual([
      'mixed-a',
      'mixed-d',
      'mixed-dup',
    ]);
  });

  it('a host that memory still holds but the database no longer has is refused in the transaction', async () => {
    const host = (await create(computer, 'doomed-host')).json().id as string;
    // Read once: the object and its hosts are now in memory.
    expect((await api('GET', `/api/v1/objects/${host}`)).statusCode).toBe(200);
    // Removed behind the server's back: no audit record, so the change feed never tells the memory.
    await t.database.query('DELETE FROM objects WHERE id = $1', [host]);
    const [orphan, fine] = await Promise.all([
      api('POST', '/api/v1/objects', {
        classId: 'Batch.Instance',
        hostId: host,
        properties: { instanceName: 'orphan' },
      }),
      create(computer, 'beside-the-orphan'),
    ]);
    expect(orphan.statusCode).toBe(400);
    expect(orphan.json().error.issues).toEqual([{ path: 'body.hostId', message: 'names no known object' }]);
    expect(fine.statusCode).toBe(201);
    const left = await t.database.query('SELECT id FROM objects WHERE host_id = $1', [host]);
    expect(left).toEqual([]);
  });

  it('batches written while another commits take each name once and chain their records in order', async () => {
    // Requests in two turns make two batches, written at once on PostgreSQL: half the second's names are
    // the first's, and whichever batch inserts a name first has it.
    const first = Array.from({ length: 12 }, (_, i) => create(computer, `overlap-${i}`));
    await new Promise((r) => setImmediate(r));
    const second = Array.from({ length: 12 }, (_, i) => create(computer, `overlap-${i + 6}`));
    const answers = await Promise.all([...first, ...second]);
    const created = answers.filter((a) => a.statusCode === 201).map((a) => a.json());
    expect(created.map((o) => o.name).sort()).toEqual(
      Array.from({ length: 18 }, (_, i) => `overlap-${i}`).sort(),
    );
    expect(answers.filter((a) => a.statusCode === 409)).toHaveLength(6);
    const ids = created.map((o) => o.id as string);
    expect((await audited(ids)).map((r) => r.target).sort()).toEqual([...ids].sort());
    // An answer carries the row as written: its times are the database's.
    const [row] = await t.database.query<{ at: string }>(
      'SELECT created_at AS at FROM objects WHERE id = $1',
      [ids[0]],
    );
    expect(new Date(created[0].createdAt).getTime()).toBe(new Date(row!.at).getTime());
    expect((await api('GET', '/api/v1/audit/verify')).json().problems).toEqual([]);
  });

  it('a class changed behind the memory’s back is checked as the write’s transaction sees it', async () => {
    // A write reads the tree in its transaction (here, at this generation of the classes).
    expect((await create(computer, 'before-the-change')).statusCode).toBe(201);
    // Changed behind the server's back: no audit record, so neither the memory nor the tree last read know.
    const properties = (port: string) =>
      `[{"name":"instanceName","type":"string"},{"name":"port","type":"${port}"}]`;
    await t.database.query("UPDATE classes SET properties = $1::jsonb WHERE id = 'Batch.Instance'", [
      properties('string'),
    ]);
    try {
      // The port is now a string: the number passes the tree in memory, not the tree the transaction sees.
      const refused = await create(computer, 'after-the-change', 1433);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.issues[0].path).toBe('body.properties.port');
      expect((await create(computer, 'after-the-change-as-text', '1433')).statusCode).toBe(201);
      const names = await t.database.query<{ name: string }>(
        "SELECT name FROM objects WHERE name LIKE 'after-the-change%'",
      );
      expect(names.map((n) => n.name)).toEqual(['after-the-change-as-text']);
    } finally {
      await t.database.query("UPDATE classes SET properties = $1::jsonb WHERE id = 'Batch.Instance'", [
        properties('int'),
      ]);
    }
  });
});
