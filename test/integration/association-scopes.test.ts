// Proves that what a Run As association is scoped to (a group, a class, an object and what hosts it) cannot be
// deleted while the association stands — by hand, by a pack upgrade or by deleting the pack — so nobody can
// change which account a workflow runs as by deleting its scope; the refusal names the associations.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
let author: string;
const SQL_PACK = readFileSync(new URL('../fixtures/packs/test-sql.yaml', import.meta.url), 'utf8');

async function call(method: string, url: string, body?: unknown, token = t.adminToken) {
  const res = await t.request({ method, url, token, body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined, raw: res.body };
}
async function ok(method: string, url: string, body?: unknown) {
  const r = await call(method, url, body);
  if (r.status >= 300) throw new Error(`${method} ${url} → ${r.status} ${r.raw}`);
  return r.body;
}
const account = async (name: string) =>
  (
    await ok('POST', '/api/v1/accounts', {
      name,
      credential: { type: 'windows', userName: name, domain: 'CONTOSO', password: `pw-${name}-secret` },
    })
  ).id as string;
const associate = async (profile: string, accountId: string, scope: unknown) =>
  (await ok('POST', `/api/v1/profiles/${profile}/associations`, { accountId, scope })).id as string;
const accountFor = async (workflow: string, object: string) =>
  (await ok('GET', `/api/v1/explain?workflow=${workflow}&object=${object}`)).resolution.accountId;

let computer: string;
let instance: string;

beforeAll(async () => {
  t = await createTestApp();
  author = await t.tokenFor('author');
  await ok('POST', '/api/v1/packs', { content: SQL_PACK, format: 'yaml' });
  computer = (await ok('POST', '/api/v1/computers', { name: 'scope-host' })).id;
  instance = (
    await ok('POST', '/api/v1/objects', { classId: 'Test.SQL.Instance', hostId: computer, name: 'PROD' })
  ).id;
});
afterAll(() => t.close());

describe('deleting the scope of an association', () => {
  it('refuses an author who deletes the group an administrator scoped an account to, and explain is unchanged', async () => {
    await ok('POST', '/api/v1/groups', { id: 'Scope.Prod', members: [instance] });
    const general = await account('scope-general');
    const prod = await account('scope-prod');
    await associate('Test.SQL.Profile', general, { kind: 'class', classId: 'Test.SQL.Instance' });
    const byGroup = await associate('Test.SQL.Profile', prod, { kind: 'group', groupId: 'Scope.Prod' });
    expect(await accountFor('Test.SQL.Monitor', instance)).toBe(prod);

    const refused = await call('DELETE', '/api/v1/groups/Scope.Prod', undefined, author);
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('IN_USE');
    expect(refused.body.error.message).toContain(byGroup);
    expect(await accountFor('Test.SQL.Monitor', instance)).toBe(prod);
    expect((await call('GET', '/api/v1/groups/Scope.Prod')).status).toBe(200);

    await ok('DELETE', `/api/v1/associations/${byGroup}`);
    expect((await call('DELETE', '/api/v1/groups/Scope.Prod', undefined, author)).status).toBe(204);
  });

  it('refuses deleting an object an association is scoped to, or a host of it with cascade', async () => {
    const other = (
      await ok('POST', '/api/v1/objects', { classId: 'Test.SQL.Instance', hostId: computer, name: 'DEV' })
    ).id;
    const byObject = await associate('Test.SQL.Profile', await account('scope-dev'), {
      kind: 'object',
      objectId: other,
    });
    for (const url of [`/api/v1/objects/${other}`, `/api/v1/computers/${computer}?cascade=true`]) {
      const refused = await call('DELETE', url);
      expect(refused.status, url).toBe(422);
      expect(refused.body.error.message, url).toContain(byObject);
    }
    expect((await call('GET', `/api/v1/objects/${other}`)).status).toBe(200);
  });

  it('refuses deleting a class made by hand while an association is scoped to it', async () => {
    await ok('POST', '/api/v1/classes', { id: 'Scope.Custom', baseClassId: 'System.Computer' });
    const byClass = await associate('Test.Computer.Profile', await account('scope-custom'), {
      kind: 'class',
      classId: 'Scope.Custom',
    });
    const refused = await call('DELETE', '/api/v1/classes/Scope.Custom');
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toContain(byClass);
  });

  it('refuses a pack upgrade that drops a scoped class or group, and deleting the pack even with cascade', async () => {
    const pack = (version: string, withElements: boolean) =>
      stringify({
        id: 'Scope.Pack',
        version,
        sealed: false,
        references: [{ id: 'Steward.Library', minVersion: '1.0.0' }],
        classes: withElements ? [{ id: 'Scope.Pack.Role', baseClass: 'System.Computer' }] : [],
        groups: withElements ? [{ id: 'Scope.Pack.Group', rules: [{ classId: 'Scope.Pack.Role' }] }] : [],
      });
    await ok('POST', '/api/v1/packs', { content: pack('1.0.0', true), format: 'yaml' });
    const byClass = await associate('Test.Computer.Profile', await account('scope-pack-class'), {
      kind: 'class',
      classId: 'Scope.Pack.Role',
    });
    const byGroup = await associate('Test.Computer.Profile', await account('scope-pack-group'), {
      kind: 'group',
      groupId: 'Scope.Pack.Group',
    });
    const upgrade = await call('POST', '/api/v1/packs', { content: pack('2.0.0', false), format: 'yaml' });
    expect(upgrade.status).toBe(422);
    expect(upgrade.body.error.message).toContain(byClass);
    expect(upgrade.body.error.message).toContain(byGroup);
    const removed = await call('DELETE', '/api/v1/packs/Scope.Pack?cascade=true');
    expect(removed.status).toBe(422);
    expect(removed.body.error.message).toContain(byClass);
    expect((await call('GET', '/api/v1/classes/Scope.Pack.Role')).status).toBe(200);
  });
});
