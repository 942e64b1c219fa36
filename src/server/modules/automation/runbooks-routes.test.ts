// Proves runbooks over HTTP: create a draft with parameters, edit it, publish versions, roll back (a new version
// with the old content, history kept), read content by version, the 1 MiB content limit and bad parameter
// declarations refused naming the field, NUL and lone surrogates refused, names unique per account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';

let t: TestApp;
let accountId: string;
beforeAll(async () => {
  t = await createTestApp();
  accountId = (
    await t.request({
      method: 'POST',
      url: '/api/v1/automation-accounts',
      token: t.adminToken,
      body: { name: 'rb-tests' },
    })
  ).json().id;
});
afterAll(() => t.close());

const create = (body: Record<string, unknown>, account = accountId) =>
  t.request({
    method: 'POST',
    url: `/api/v1/automation-accounts/${account}/runbooks`,
    token: t.adminToken,
    body,
  });
const call = (method: string, url: string, body?: unknown) =>
  t.request({ method, url, token: t.adminToken, body });
const runbookCount = async () =>
  Number((await t.database.query<{ n: string }>('SELECT count(*) AS n FROM runbooks'))[0]?.n);

describe('runbooks', () => {
  it('creates a draft, publishes it as version 1, edits and publishes version 2, keeping both', async () => {
    const res = await create({
      name: 'Restart-Service',
      type: 'powershell',
      content: 'param($Name) Restart-Service $Name',
      parameters: [{ name: 'Name', required: true }],
    });
    expect(res.statusCode).toBe(201);
    const rb = res.json();
    expect(rb.id).toMatch(/^rb_/);
    expect(rb).toMatchObject({
      type: 'powershell',
      published: null,
      draft: {
        differsFromPublished: true,
        contentBytes: 34,
        parameters: [{ name: 'Name', type: 'string', required: true, secret: false }],
      },
    });
    const v1 = await call('POST', `/api/v1/runbooks/${rb.id}/publish`);
    expect(v1.statusCode).toBe(200);
    expect(v1.json()).toMatchObject({ published: { version: 1 }, draft: { differsFromPublished: false } });
    expect(v1.json().published.publishedBy).toMatch(/^user:administrator/);

    const again = await call('POST', `/api/v1/runbooks/${rb.id}/publish`);
    expect(again.statusCode).toBe(422);

    const edited = await call('PUT', `/api/v1/runbooks/${rb.id}/draft`, { content: 'Write-Output v2' });
    expect(edited.json()).toMatchObject({
      draft: { differsFromPublished: true, parameters: [{ name: 'Name' }] },
      published: { version: 1 },
    });
    expect((await call('POST', `/api/v1/runbooks/${rb.id}/publish`)).json().published.version).toBe(2);

    const versions = (await call('GET', `/api/v1/runbooks/${rb.id}/versions`)).json().items;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect((await call('GET', `/api/v1/runbooks/${rb.id}/content?version=1`)).json()).toMatchObject({
      version: 1,
      content: 'param($Name) Restart-Service $Name',
    });
    expect((await call('GET', `/api/v1/runbooks/${rb.id}/content?version=published`)).json()).toMatchObject({
      version: 2,
      content: 'Write-Output v2',
    });
    expect((await call('GET', `/api/v1/runbooks/${rb.id}/content`)).json().version).toBe('draft');

    const back = await call('POST', `/api/v1/runbooks/${rb.id}/rollback`, { version: 1 });
    expect(back.statusCode).toBe(200);
    expect(back.json().published.version).toBe(3);
    const v3 = (await call('GET', `/api/v1/runbooks/${rb.id}/versions`)).json().items[0];
    expect(v3).toMatchObject({ version: 3, rolledBackFrom: 1 });
    expect((await call('GET', `/api/v1/runbooks/${rb.id}/content?version=published`)).json().content).toBe(
      'param($Name) Restart-Service $Name',
    );
    const kinds = await t.database.query<{ kind: string }>(
      'SELECT kind FROM audit_log WHERE target = $1 ORDER BY seq',
      [rb.id],
    );
    expect(kinds.map((k) => k.kind)).toEqual([
      'runbook.create',
      'runbook.publish',
      'runbook.draft',
      'runbook.publish',
      'runbook.rollback',
    ]);
  });

  it('refuses rollback to an unknown version (404) or the current one (422), naming body.version', async () => {
    const rb = (await create({ name: 'rollback-checks', type: 'shell', content: 'echo 1' })).json();
    expect((await call('POST', `/api/v1/runbooks/${rb.id}/rollback`, { version: 1 })).statusCode).toBe(404);
    await call('POST', `/api/v1/runbooks/${rb.id}/publish`);
    const current = await call('POST', `/api/v1/runbooks/${rb.id}/rollback`, { version: 1 });
    expect(current.statusCode).toBe(422);
    expect(current.json().error.issues[0].path).toBe('body.version');
    const missing = await call('POST', `/api/v1/runbooks/${rb.id}/rollback`, { version: 7 });
    expect(missing.statusCode).toBe(404);
    expect((await call('GET', `/api/v1/runbooks/${rb.id}/content?version=7`)).statusCode).toBe(404);
  });

  it('accepts content of exactly 1 MiB and refuses one byte more with 400 on body.content', async () => {
    const max = 'a'.repeat(1024 * 1024);
    expect((await create({ name: 'big-ok', type: 'shell', content: max })).statusCode).toBe(201);
    const before = await runbookCount();
    const tooBig = await create({ name: 'too-big', type: 'shell', content: `${max}a` });
    expect(tooBig.statusCode).toBe(400);
    expect(tooBig.json().error.issues[0].path).toBe('body.content');
    // Multi-byte characters count as their UTF-8 bytes.
    const wide = await create({ name: 'too-wide', type: 'shell', content: 'é'.repeat(512 * 1024 + 1) });
    expect(wide.statusCode).toBe(400);
    expect(wide.json().error.issues[0].path).toBe('body.content');
    expect(await runbookCount()).toBe(before);
  });

  it.each([
    [{ name: 'r', type: 'ruby' }, 'body.type'],
    [{ name: 'bad name', type: 'shell' }, 'body.name'],
    [{ name: 'nul', type: 'shell', content: 'echo \u0000' }, 'body.content'],
    [{ name: 'surrogate', type: 'shell', content: 'echo \udc00' }, 'body.content'],
    [{ name: 'p1', type: 'shell', parameters: [{ name: 'A', type: 'float' }] }, 'body.parameters[0].type'],
    [{ name: 'p2', type: 'shell', parameters: [{ name: 'A' }, { name: 'a' }] }, 'body.parameters[1].name'],
    [
      { name: 'p3', type: 'shell', parameters: [{ name: 'N', type: 'int', default: 'x' }] },
      'body.parameters[0].default',
    ],
    [
      { name: 'p4', type: 'shell', parameters: [{ name: 'Pw', secret: true, default: 'x' }] },
      'body.parameters[0].default',
    ],
    [{ name: 'p5', type: 'shell', parameters: [{ name: 'has space' }] }, 'body.parameters[0].name'],
  ])('refuses %j with 400 naming %s, writing nothing', async (body, path) => {
    const before = await runbookCount();
    const res = await create(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await runbookCount()).toBe(before);
  });

  it('keeps names unique within an account but not across accounts', async () => {
    expect((await create({ name: 'same', type: 'node' })).statusCode).toBe(201);
    const dup = await create({ name: 'same', type: 'python' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.issues).toEqual([{ path: 'body.name', message: 'is taken' }]);
    const other = (
      await t.request({
        method: 'POST',
        url: '/api/v1/automation-accounts',
        token: t.adminToken,
        body: { name: 'rb-other' },
      })
    ).json().id;
    expect((await create({ name: 'same', type: 'python' }, other)).statusCode).toBe(201);
    expect((await create({ name: 'x', type: 'shell' }, 'aa_missing')).statusCode).toBe(404);
  });

  it('renames and deletes (with its versions); the type cannot be changed', async () => {
    const rb = (await create({ name: 'to-delete', type: 'python', content: 'print(1)' })).json();
    await call('POST', `/api/v1/runbooks/${rb.id}/publish`);
    const typeChange = await call('PATCH', `/api/v1/runbooks/${rb.id}`, { type: 'shell' });
    expect(typeChange.statusCode).toBe(400);
    expect((await call('PATCH', `/api/v1/runbooks/${rb.id}`, { name: 'renamed' })).json().name).toBe(
      'renamed',
    );
    expect((await call('DELETE', `/api/v1/runbooks/${rb.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/runbooks/${rb.id}`)).statusCode).toBe(404);
    const [v] = await t.database.query<{ n: string }>(
      'SELECT count(*) AS n FROM runbook_versions WHERE runbook_id = $1',
      [rb.id],
    );
    expect(Number(v?.n)).toBe(0);
  });

  it('lets a read-only operator read runbooks and content but not edit them', async () => {
    const token = await t.tokenFor('read-only-operator');
    const rb = (await create({ name: 'readable', type: 'shell', content: 'echo r' })).json();
    expect(
      (await t.request({ method: 'GET', url: `/api/v1/runbooks/${rb.id}/content`, token })).statusCode,
    ).toBe(200);
    expect(
      (await t.request({ method: 'GET', url: `/api/v1/automation-accounts/${accountId}/runbooks`, token }))
        .statusCode,
    ).toBe(200);
    const put = await t.request({
      method: 'PUT',
      url: `/api/v1/runbooks/${rb.id}/draft`,
      token,
      body: { content: 'x' },
    });
    expect(put.statusCode).toBe(403);
  });
});
