// Proves the Run As scenarios of domain-spec §3 through the REST API: accounts, distribution, associations,
// resolution with explain, the configuration each health service gets, and the traps of §4.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
let admin: string;

const SQL_PACK = readFileSync(new URL('../fixtures/packs/test-sql.yaml', import.meta.url), 'utf8');

async function call(method: string, url: string, body?: unknown, token = admin) {
  const res = await t.request({ method, url, token, body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined, raw: res.body };
}
async function ok(method: string, url: string, body?: unknown) {
  const r = await call(method, url, body);
  if (r.status >= 300) throw new Error(`${method} ${url} → ${r.status} ${r.raw}`);
  return r.body;
}
const computer = async (name: string) => (await ok('POST', '/api/v1/computers', { name })).id as string;
const object = async (classId: string, hostId: string, name: string, properties = {}) =>
  (await ok('POST', '/api/v1/objects', { classId, hostId, name, properties })).id as string;
const account = async (name: string, password = `pw-${name}-secret`) =>
  (
    await ok('POST', '/api/v1/accounts', {
      name,
      credential: { type: 'windows', userName: name, domain: 'CONTOSO', password },
    })
  ).id as string;
const distribute = (id: string, approved: string[], security = 'more-secure') =>
  ok('PUT', `/api/v1/accounts/${id}/distribution`, { security, approved });
const associate = async (profile: string, accountId: string, scope?: unknown, enforced = false) =>
  (
    await ok('POST', `/api/v1/profiles/${profile}/associations`, {
      accountId,
      ...(scope ? { scope } : {}),
      enforced,
    })
  ).id as string;
const explain = (q: string) => ok('GET', `/api/v1/explain?${q}`);
const resolve = async (workflow: string, objectId: string) =>
  (await explain(`workflow=${workflow}&object=${objectId}`)).resolution;

beforeAll(async () => {
  t = await createTestApp();
  admin = t.adminToken;
  await ok('POST', '/api/v1/packs', { content: SQL_PACK, format: 'yaml' });
});
afterAll(() => t.close());

describe('accounts (R1–R8)', () => {
  it('S13: a new account is more secure with an empty list, and no response carries the secret', async () => {
    const password = 'S13-very-secret-password';
    const created = await call('POST', '/api/v1/accounts', {
      name: 'S13',
      credential: { type: 'windows', userName: 'u', password },
    });
    expect(created.status).toBe(201);
    expect(created.body.distribution).toEqual({ security: 'more-secure', approved: [] });
    expect(created.body.description).toBe('S13');
    const shown = await call('GET', `/api/v1/accounts/${created.body.id}`);
    const listed = await call('GET', '/api/v1/accounts');
    const audit = await call('GET', '/api/v1/audit?limit=1000');
    for (const r of [created, shown, listed, audit]) expect(r.raw).not.toContain(password);
    expect(shown.body.publicFields).toEqual({ userName: 'u' });
  });

  it('S16: an SNMPv3 account with only a user name gets none/none and an empty context; AES without a key is refused', async () => {
    const r = await ok('POST', '/api/v1/accounts', {
      name: 'snmp',
      credential: { type: 'snmpv3', userName: 'monitor' },
    });
    expect(r.publicFields).toEqual({
      userName: 'monitor',
      context: '',
      authProtocol: 'none',
      privacyProtocol: 'none',
    });
    const bad = await call('POST', '/api/v1/accounts', {
      name: 'snmp2',
      credential: {
        type: 'snmpv3',
        userName: 'm',
        authProtocol: 'sha',
        authKey: 'k'.repeat(10),
        privacyProtocol: 'aes',
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path)).toContain(
      'body.credential.privacyKey',
    );
  });

  it('refuses a missing mandatory field naming it (R1), and a type change on update (R2)', async () => {
    const bad = await call('POST', '/api/v1/accounts', {
      name: 'nopw',
      credential: { type: 'basic', userName: 'x' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('body.credential.password');
    const id = await account('typed');
    const change = await call('PATCH', `/api/v1/accounts/${id}`, {
      credential: { type: 'basic', userName: 'x', password: 'y' },
    });
    expect(change.status).toBe(422);
    const same = await ok('PATCH', `/api/v1/accounts/${id}`, {
      credential: { type: 'windows', userName: 'typed', password: 'new-one' },
    });
    expect(same.version).toBe(2);
  });

  it('S18: an action account cannot be made less secure', async () => {
    const id = (
      await ok('POST', '/api/v1/accounts', {
        name: 'action',
        credential: { type: 'action', userName: 'svc', password: 'p' },
      })
    ).id;
    const r = await call('PUT', `/api/v1/accounts/${id}/distribution`, { security: 'less-secure' });
    expect(r.status).toBe(422);
    expect((await ok('GET', `/api/v1/accounts/${id}`)).distribution.security).toBe('more-secure');
  });

  it('keeps binary values up to 64 KiB and refuses larger ones', async () => {
    const fits = Buffer.alloc(64 * 1024, 1).toString('base64');
    expect(
      (
        await call('POST', '/api/v1/accounts', {
          name: 'bin',
          credential: { type: 'binary', dataBase64: fits },
        })
      ).status,
    ).toBe(201);
    const big = Buffer.alloc(64 * 1024 + 1, 1).toString('base64');
    expect(
      (
        await call('POST', '/api/v1/accounts', {
          name: 'bin2',
          credential: { type: 'binary', dataBase64: big },
        })
      ).status,
    ).toBe(400);
  });

  it('trap 6: setting more secure without a list empties the list (R13)', async () => {
    const c = await computer('trap6.example');
    const id = await account('trap6');
    await distribute(id, [c]);
    const r = await ok('PUT', `/api/v1/accounts/${id}/distribution`, { security: 'more-secure' });
    expect(r.distribution.approved).toEqual([]);
  });

  it('refuses distribution to something that is not a computer, server or pool, naming it', async () => {
    const id = await account('badtarget');
    const r = await call('PUT', `/api/v1/accounts/${id}/distribution`, {
      security: 'more-secure',
      approved: ['cmp_doesnotexist'],
    });
    expect(r.status).toBe(400);
    expect(r.body.error.issues[0].path).toBe('body.approved[0]');
  });
});

describe('resolution scenarios', () => {
  it('S1: one profile, three accounts, four computers', async () => {
    const [a, b, c, d] = [
      await computer('s1-a'),
      await computer('s1-b'),
      await computer('s1-c'),
      await computer('s1-d'),
    ];
    await ok('POST', '/api/v1/groups', { id: 'S1.BC', members: [b, c] });
    const [acc1, acc2, acc3] = [await account('s1-acc1'), await account('s1-acc2'), await account('s1-acc3')];
    await distribute(acc1, [a]);
    await distribute(acc2, [b, c]);
    await distribute(acc3, [d]);
    await associate('Test.Computer.Profile', acc1, { kind: 'object', objectId: a });
    await associate('Test.Computer.Profile', acc2, { kind: 'group', groupId: 'S1.BC' });
    await associate('Test.Computer.Profile', acc3, { kind: 'object', objectId: d });
    for (const w of ['Test.Computer.W1', 'Test.Computer.W2', 'Test.Computer.W3']) {
      expect((await resolve(w, a)).accountId).toBe(acc1);
      expect((await resolve(w, b)).accountId).toBe(acc2);
      expect((await resolve(w, c)).accountId).toBe(acc2);
      expect((await resolve(w, d)).accountId).toBe(acc3);
    }
  });

  it('S2 and S3: two instances on one host use their own accounts; without distribution Y is not run, X is unaffected', async () => {
    const abc = await computer('s2-abc');
    const x = await object('Test.SQL.Instance', abc, 'X');
    const y = await object('Test.SQL.Instance', abc, 'Y');
    const accX = await account('s2-accx');
    const accY = await account('s2-accy');
    await distribute(accX, [abc]);
    await distribute(accY, [abc]);
    await associate('Test.SQL.Profile', accX, { kind: 'object', objectId: x });
    await associate('Test.SQL.Profile', accY, { kind: 'object', objectId: y });
    expect(await resolve('Test.SQL.Monitor', x)).toMatchObject({ kind: 'account', accountId: accX });
    expect(await resolve('Test.SQL.Monitor', y)).toMatchObject({ kind: 'account', accountId: accY });
    const before = (await ok('GET', `/api/v1/health-services/${abc}/config`)).tag;
    await ok('PATCH', `/api/v1/accounts/${accY}/distribution`, { remove: [abc] });
    expect(await resolve('Test.SQL.Monitor', y)).toMatchObject({ kind: 'not-distributed', accountId: accY });
    expect(await resolve('Test.SQL.Monitor', x)).toMatchObject({ kind: 'account', accountId: accX });
    const config = await ok('GET', `/api/v1/health-services/${abc}/config`);
    expect(config.tag).not.toBe(before);
    // S3: the computer receives only what is distributed to it.
    expect(config.accounts.map((a: { id: string }) => a.id)).toContain(accX);
    expect(config.accounts.map((a: { id: string }) => a.id)).not.toContain(accY);
    expect(JSON.stringify(config)).not.toContain('pw-s2-accx-secret');
  });

  it('S4 and S19: a profile with no associations resolves to the default action account; the imported profile is listed', async () => {
    const h = await computer('s4-h');
    const i = await object('Test.SQL.Instance', h, 'I');
    const fresh = await ok('GET', '/api/v1/profiles/Test.SQL.Profile/associations');
    expect(Array.isArray(fresh.items)).toBe(true);
    const e = await explain(`profile=Test.Computer.Profile&object=${i}`);
    expect(e.resolution).toEqual({ kind: 'default-action-account' });
    expect(await resolve('Test.SQL.Plain', i)).toEqual({ kind: 'default-action-account' });
  });

  it('S5 and trap 1: targeted but not distributed is not run — no fallback — and findings name the computer to add', async () => {
    const h = await computer('s5-h');
    const acc = await account('s5-acc');
    await ok('POST', '/api/v1/packs', {
      content: SQL_PACK.replace(/Test\.SQL/g, 'S5.SQL').replace(/Test\.Computer/g, 'S5.Computer'),
      format: 'yaml',
    });
    await associate('S5.Computer.Profile', acc);
    const e = await explain(`workflow=S5.Computer.W1&object=${h}`);
    expect(e.resolution).toMatchObject({ kind: 'not-distributed', accountId: acc });
    expect(e.reasons.join(' ')).toContain('no fallback');
    const findings = (await ok('GET', '/api/v1/findings?kind=not-distributed')).items;
    const f = findings.find((x: { subject: { accountId: string } }) => x.subject.accountId === acc);
    expect(f.subject.healthServices).toContain(h);
    expect(f.fix).toContain(`steward account distribute ${acc} --add`);
    await distribute(acc, [h]);
    expect((await explain(`workflow=S5.Computer.W1&object=${h}`)).resolution.kind).toBe('account');
  });

  it('S9 and the conflict finding: same-level groups tie, the oldest wins, an enforced one wins outright', async () => {
    const h = await computer('s9-h');
    const x = await object('Test.SQL.Instance', h, 'S9X');
    await ok('POST', '/api/v1/groups', { id: 'S9.G1', members: [x] });
    await ok('POST', '/api/v1/groups', { id: 'S9.G2', members: [x] });
    const g1 = await account('s9-g1');
    const g2 = await account('s9-g2');
    await distribute(g1, [h]);
    await distribute(g2, [h]);
    const a1 = await associate('Test.SQL.Profile', g1, { kind: 'group', groupId: 'S9.G1' });
    const a2 = await associate('Test.SQL.Profile', g2, { kind: 'group', groupId: 'S9.G2' });
    const tie = await explain(`workflow=Test.SQL.Monitor&object=${x}`);
    expect(tie.resolution.accountId).toBe(g1);
    expect(tie.conflict.accountIds.sort()).toEqual([g1, g2].sort());
    const conflicts = (await ok('GET', '/api/v1/findings?kind=conflict')).items;
    const finding = conflicts.find((c: { subject: { accountIds: string[] } }) =>
      c.subject.accountIds.includes(g2),
    );
    // The finding names the same winner explain shows: the older association.
    expect(finding.subject.winner).toBe(a1);
    expect(finding.fix).toBe(`steward profile enforce ${a1}`);
    await ok('PATCH', `/api/v1/associations/${a2}`, { enforced: true });
    const enforced = await explain(`workflow=Test.SQL.Monitor&object=${x}`);
    expect(enforced.resolution.accountId).toBe(g2);
    expect(enforced.conflict).toBeNull();
  });

  it('S11: a class association covers subclasses; the more derived class wins', async () => {
    const h = await computer('s11-h');
    const i = await object('Test.SQL.Enterprise', h, 'S11');
    const base = await account('s11-base');
    const derived = await account('s11-derived');
    await distribute(base, [h]);
    await distribute(derived, [h]);
    const p = 'S11.Profile';
    await ok('POST', '/api/v1/packs', {
      format: 'yaml',
      content: `
id: S11.Pack
version: 1.0.0
sealed: true
references: [{ id: Steward.Library, minVersion: 1.0.0 }, { id: Test.SQL, minVersion: 1.0.0 }]
profiles: [{ id: ${p}, displayName: S11, contextClass: Test.SQL.Instance }]
`,
    });
    await associate(p, base, { kind: 'class', classId: 'Test.SQL.Instance' });
    expect((await explain(`profile=${p}&object=${i}`)).resolution.accountId).toBe(base);
    await associate(p, derived, { kind: 'class', classId: 'Test.SQL.Enterprise' });
    expect((await explain(`profile=${p}&object=${i}`)).resolution.accountId).toBe(derived);
  });

  it('trap 3: group scope reaches objects hosted on a member computer', async () => {
    const h = await computer('trap3-h');
    const i = await object('Test.SQL.Instance', h, 'T3');
    await ok('POST', '/api/v1/groups', { id: 'Trap3.Computers', members: [h] });
    const acc = await account('trap3-acc');
    await distribute(acc, [h]);
    await associate('Test.SQL.Profile', acc, { kind: 'group', groupId: 'Trap3.Computers' });
    const e = await explain(`workflow=Test.SQL.Monitor&object=${i}`);
    expect(e.resolution).toMatchObject({ kind: 'account', accountId: acc });
  });

  it('trap 2 and R12: associating never distributes; suggestions list the hosting computers and change nothing', async () => {
    const h = await computer('trap2-h');
    const i = await object('Test.SQL.Instance', h, 'T2');
    const acc = await account('trap2-acc');
    await associate('Test.SQL.Profile', acc, { kind: 'object', objectId: i });
    expect((await ok('GET', `/api/v1/accounts/${acc}`)).distribution.approved).toEqual([]);
    const s = await ok('GET', `/api/v1/accounts/${acc}/distribution/suggested`);
    expect(s.suggested).toEqual([h]);
    expect((await ok('GET', `/api/v1/accounts/${acc}`)).distribution.approved).toEqual([]);
  });

  it('trap 4: pool-hosted objects need the account distributed to the pool, not to a computer', async () => {
    const pool = (await ok('POST', '/api/v1/pools', { name: 'trap4-pool', membership: 'automatic' })).id;
    const device = await object('Test.SQL.Instance', pool, 'T4');
    const h = await computer('trap4-h');
    const acc = await account('trap4-acc');
    await associate('Test.SQL.Profile', acc, { kind: 'object', objectId: device });
    await distribute(acc, [h]);
    expect((await resolve('Test.SQL.Monitor', device)).kind).toBe('not-distributed');
    await distribute(acc, [pool]);
    expect((await resolve('Test.SQL.Monitor', device)).kind).toBe('account');
  });

  it('S22: an association without scope is for all targeted objects', async () => {
    const acc = await account('s22');
    const id = await associate('Test.Computer.Profile', acc);
    const list = (await ok('GET', '/api/v1/profiles/Test.Computer.Profile/associations')).items;
    expect(list.find((a: { id: string }) => a.id === id).scope).toEqual({ kind: 'all' });
  });

  it('S12 and trap 5: an associated account cannot be deleted; once removed from the profile it can', async () => {
    const acc = await account('s12');
    const assoc = await associate('Test.SQL.Profile', acc);
    const refused = await call('DELETE', `/api/v1/accounts/${acc}`);
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toContain('Test.SQL.Profile');
    expect((await call('GET', `/api/v1/accounts/${acc}`)).status).toBe(200);
    await ok('DELETE', `/api/v1/associations/${assoc}`);
    expect((await call('DELETE', `/api/v1/accounts/${acc}`)).status).toBe(204);
  });

  it('trap 5: a pack whose profile has associations is not deleted unless cascade, which keeps the account', async () => {
    const pack = `
id: Trap5.Pack
version: 1.0.0
sealed: true
references: [{ id: Steward.Library, minVersion: 1.0.0 }]
profiles: [{ id: Trap5.Profile, displayName: T5, contextClass: System.Computer }]
`;
    await ok('POST', '/api/v1/packs', { content: pack, format: 'yaml' });
    const acc = await account('trap5');
    const assoc = await associate('Trap5.Profile', acc);
    const refused = await call('DELETE', '/api/v1/packs/Trap5.Pack');
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toContain('Trap5.Profile');
    const done = await ok('DELETE', '/api/v1/packs/Trap5.Pack?cascade=true');
    expect(done.associationsRemoved).toEqual([assoc]);
    expect((await call('GET', `/api/v1/accounts/${acc}`)).status).toBe(200);
    const audit = (await ok('GET', '/api/v1/audit?kind=association.delete')).items;
    expect(audit.some((r: { target: string }) => r.target === assoc)).toBe(true);
  });

  // Dangling associations (an object a discovery no longer finds) are proved in run-effects.test.ts.
  it('reports unused accounts and expiring credentials, and refuses deleting an object an association scopes', async () => {
    const h = await computer('dangle-h');
    const i = await object('Test.SQL.Instance', h, 'DANGLE');
    const acc = await account('dangle-acc');
    await associate('Test.SQL.Profile', acc, { kind: 'object', objectId: i });
    expect((await call('DELETE', `/api/v1/objects/${i}`)).status).toBe(422);
    const unused = await account('unused-acc');
    const soon = (
      await ok('POST', '/api/v1/accounts', {
        name: 'expiring',
        credential: { type: 'token', token: 'tkn' },
        expiresAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      })
    ).id;
    const items = (await ok('GET', '/api/v1/findings')).items as {
      id: string;
      kind: string;
      severity: string;
    }[];
    expect(items).toContainEqual(expect.objectContaining({ id: `unused-account:${unused}` }));
    expect(items).toContainEqual(expect.objectContaining({ id: `expiring:${soon}`, severity: 'critical' }));
  });
});

describe('authorization (S23)', () => {
  it('only administrators create accounts and associate them; authors may list profiles, operators may not', async () => {
    const operator = await t.tokenFor('operator');
    const author = await t.tokenFor('author');
    const body = { name: 's23', credential: { type: 'basic', userName: 'u', password: 'p' } };
    expect((await call('POST', '/api/v1/accounts', body, operator)).status).toBe(403);
    expect((await call('POST', '/api/v1/accounts', body, author)).status).toBe(403);
    const acc = (await ok('POST', '/api/v1/accounts', body)).id;
    expect((await call('GET', '/api/v1/profiles', undefined, author)).status).toBe(200);
    expect((await call('GET', '/api/v1/profiles', undefined, operator)).status).toBe(403);
    expect(
      (await call('POST', '/api/v1/profiles/Test.SQL.Profile/associations', { accountId: acc }, author))
        .status,
    ).toBe(403);
  });
});
