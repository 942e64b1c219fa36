// Proves assets over HTTP: variables (plain and encrypted), credentials, connections checked against their type
// (built-in AzureServicePrincipal and user-defined with encrypted fields), certificates (PFX including legacy RC2
// and EC keys, PEM, public-only; a wrong PFX password named), and that encrypted values, passwords and private
// keys reach no response, audit record or log line — only readAssetForJob, the job runtime's way in. Also who may do what.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createKeyring } from '../../../crypto/keyring.js';
import { createAssetsService } from './assets-service.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../../test/fixtures/automation/${name}`, import.meta.url));
const PFX_PASSWORD = 'pfx-Pa55word';
const THUMBPRINT = '70A5ACE1377AD25F096E55EFD2676F5E635BC1F0';

let t: TestApp;
let accountId: string;
const logLines: string[] = [];
beforeAll(async () => {
  t = await createTestApp({ logLines });
  accountId = (
    await t.request({
      method: 'POST',
      url: '/api/v1/automation-accounts',
      token: t.adminToken,
      body: { name: 'assets' },
    })
  ).json().id;
});
afterAll(() => t.close());

const base = () => `/api/v1/automation-accounts/${accountId}`;
const put = (path: string, body: unknown, token = t.adminToken) =>
  t.request({ method: 'PUT', url: `${base()}/${path}`, token, body });
const get = (path: string, token = t.adminToken) =>
  t.request({ method: 'GET', url: `${base()}/${path}`, token });
const service = () =>
  createAssetsService({
    db: t.database.db,
    keyring: createKeyring({
      current: () => t.rootKey,
      find: (id) => (id === t.rootKey.id ? t.rootKey : undefined),
    }),
  });
const auditText = async () =>
  JSON.stringify(await t.database.query('SELECT kind, target, details FROM audit_log ORDER BY seq'));

/** Every secret written in this file: none may show up outside readAssetForJob. */
const SECRETS = ['enc-value-7f3a', 'cred-Pa55-91b2', 'api-key-c4d5', PFX_PASSWORD, 'key-Pa55', 'MIIE'];

describe('variables', () => {
  it('stores a plain JSON value and shows it; replaces it with version 2 (201 then 200)', async () => {
    const created = await put('variables/Region', { value: { name: 'westeurope', zones: [1, 2] } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      kind: 'variable',
      name: 'Region',
      encrypted: false,
      value: { name: 'westeurope', zones: [1, 2] },
      version: 1,
    });
    expect(created.json().id).toMatch(/^ast_/);
    const replaced = await put('variables/Region', { value: 'northeurope', description: 'where' });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({ value: 'northeurope', version: 2, description: 'where' });
    expect((await get('variables/Region')).json()).toEqual(replaced.json());
  });

  it('seals an encrypted value: never shown, readable by a job', async () => {
    const res = await put('variables/ApiSecret', { encrypted: true, value: 'enc-value-7f3a' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).not.toHaveProperty('value');
    expect(res.json().encrypted).toBe(true);
    const [row] = await t.database.query<{ public_fields: unknown }>(
      `SELECT public_fields FROM automation_assets WHERE id = $1`,
      [res.json().id],
    );
    expect(JSON.stringify(row)).not.toContain('enc-value-7f3a');
    expect(await service().readAssetForJob(accountId, 'variable', 'ApiSecret')).toEqual({
      kind: 'variable',
      name: 'ApiSecret',
      value: 'enc-value-7f3a',
    });
  });

  it('refuses to turn encryption off (422 on body.encrypted) and a missing value (400 on body.value)', async () => {
    const off = await put('variables/ApiSecret', { encrypted: false, value: 'x' });
    expect(off.statusCode).toBe(422);
    expect(off.json().error.issues[0].path).toBe('body.encrypted');
    const missing = await put('variables/NoValue', {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.issues[0].path).toBe('body.value');
  });

  it.each([
    ['variables/bad%2Fname', { value: 1 }, 'params.name'],
    ['variables/trailing%20', { value: 1 }, 'params.name'],
    ['variables/ok', { value: 'a\u0000b' }, 'body.value'],
    ['variables/ok', { value: { k: '\ud800' } }, 'body.value.k'],
    ['credentials/ok', { userName: 'u' }, 'body.password'],
  ])('refuses PUT %s %j with 400 naming %s', async (path, body, field) => {
    const res = await put(path, body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues.map((i: { path: string }) => i.path)).toContain(field);
  });
});

describe('credentials', () => {
  it('shows the user name only; the password goes to a job', async () => {
    const res = await put('credentials/SqlLogin', { userName: 'svc-sql', password: 'cred-Pa55-91b2' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ kind: 'credential', userName: 'svc-sql' });
    expect(JSON.stringify(res.json())).not.toContain('cred-Pa55');
    const read = await service().readAssetForJob(accountId, 'credential', 'SqlLogin', {
      actor: 'job:job_test',
      jobId: 'job_test',
    });
    expect(read).toEqual({
      kind: 'credential',
      name: 'SqlLogin',
      userName: 'svc-sql',
      password: 'cred-Pa55-91b2',
    });
    const [audit] = await t.database.query<{ actor: string; details: unknown }>(
      `SELECT actor, details FROM audit_log WHERE kind = 'asset.read' AND target = $1`,
      [res.json().id],
    );
    expect(audit).toEqual({
      actor: 'job:job_test',
      details: { automationAccountId: accountId, kind: 'credential', name: 'SqlLogin', jobId: 'job_test' },
    });
  });
});

describe('connections and connection types', () => {
  it('creates an AzureServicePrincipal connection and names bad fields', async () => {
    const fields = {
      ApplicationId: 'app',
      TenantId: 'tenant',
      CertificateThumbprint: THUMBPRINT,
      SubscriptionId: 'sub',
    };
    const res = await put('connections/AzureRunAsConnection', {
      connectionType: 'AzureServicePrincipal',
      fieldValues: fields,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      connectionType: 'AzureServicePrincipal',
      fieldValues: fields,
      encryptedFields: [],
    });
    const bad = await put('connections/Broken', {
      connectionType: 'AzureServicePrincipal',
      fieldValues: { ApplicationId: 'a', TenantId: 1, Extra: 'x' },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .error.issues.map((i: { path: string }) => i.path)
        .sort(),
    ).toEqual([
      'body.fieldValues.CertificateThumbprint',
      'body.fieldValues.Extra',
      'body.fieldValues.SubscriptionId',
      'body.fieldValues.TenantId',
    ]);
    const unknownType = await put('connections/X', { connectionType: 'Nope', fieldValues: {} });
    expect(unknownType.statusCode).toBe(400);
    expect(unknownType.json().error.issues[0].path).toBe('body.connectionType');
  });

  it('defines a type with an encrypted field, seals that field, and protects built-in and used types', async () => {
    const type = await put('connection-types/RestApi', {
      fields: [
        { name: 'Url' },
        { name: 'Port', type: 'int', optional: true },
        { name: 'ApiKey', encrypted: true },
      ],
    });
    expect(type.statusCode).toBe(201);
    expect(type.json()).toMatchObject({
      builtIn: false,
      fields: [{ name: 'Url', type: 'string', encrypted: false }, {}, {}],
    });
    const conn = await put('connections/Billing', {
      connectionType: 'RestApi',
      fieldValues: { Url: 'https://billing', Port: 443, ApiKey: 'api-key-c4d5' },
    });
    expect(conn.statusCode).toBe(201);
    expect(conn.json()).toMatchObject({
      fieldValues: { Url: 'https://billing', Port: 443 },
      encryptedFields: ['ApiKey'],
    });
    expect(await service().readAssetForJob(accountId, 'connection', 'Billing')).toEqual({
      kind: 'connection',
      name: 'Billing',
      connectionType: 'RestApi',
      fields: { Url: 'https://billing', Port: 443, ApiKey: 'api-key-c4d5' },
    });
    const inUse = await t.request({
      method: 'DELETE',
      url: `${base()}/connection-types/RestApi`,
      token: t.adminToken,
    });
    expect(inUse.statusCode).toBe(422);
    expect(inUse.json().error.code).toBe('IN_USE');
    const builtIn = await t.request({
      method: 'DELETE',
      url: `${base()}/connection-types/AzureServicePrincipal`,
      token: t.adminToken,
    });
    expect(builtIn.statusCode).toBe(422);
    const dupField = await put('connection-types/Dup', { fields: [{ name: 'A' }, { name: 'a' }] });
    expect(dupField.statusCode).toBe(400);
    expect(dupField.json().error.issues[0].path).toBe('body.fields[1].name');
  });
});

describe('certificates', () => {
  it('reads a PFX with its password: thumbprint, subject, expiry; the key only to a job, and only if exportable', async () => {
    const res = await put('certificates/RunAsCert', {
      format: 'pfx',
      pfxBase64: fixture('aes.pfx').toString('base64'),
      password: PFX_PASSWORD,
      exportable: true,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      kind: 'certificate',
      thumbprint: THUMBPRINT,
      subject: expect.stringContaining('CN=runbook.contoso.com'),
      hasPrivateKey: true,
      exportable: true,
    });
    expect(new Date(res.json().expiresAt).getTime()).toBeGreaterThan(Date.now());
    const read = await service().readAssetForJob(accountId, 'certificate', 'RunAsCert');
    expect(read).toMatchObject({
      thumbprint: THUMBPRINT,
      privateKeyPem: expect.stringContaining('PRIVATE KEY'),
    });

    const closed = await put('certificates/NotExportable', {
      format: 'pfx',
      pfxBase64: fixture('3des.pfx').toString('base64'),
      password: PFX_PASSWORD,
    });
    expect(closed.json()).toMatchObject({ hasPrivateKey: true, exportable: false });
    expect(await service().readAssetForJob(accountId, 'certificate', 'NotExportable')).not.toHaveProperty(
      'privateKeyPem',
    );
  });

  it('refuses a wrong or missing PFX password with 400 on body.password, a broken file on body.pfxBase64', async () => {
    const pfxBase64 = fixture('aes.pfx').toString('base64');
    const wrong = await put('certificates/Wrong', { format: 'pfx', pfxBase64, password: 'not-it' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.issues).toEqual([
      { path: 'body.password', message: 'is wrong for this PFX file' },
    ]);
    const none = await put('certificates/Wrong', { format: 'pfx', pfxBase64 });
    expect(none.json().error.issues[0].path).toBe('body.password');
    const broken = await put('certificates/Wrong', { format: 'pfx', pfxBase64: 'AAAA', password: 'x' });
    expect(broken.json().error.issues[0].path).toBe('body.pfxBase64');
    const slow = await put('certificates/Wrong', {
      format: 'pfx',
      pfxBase64: fixture('slow.pfx').toString('base64'),
      password: PFX_PASSWORD,
    });
    expect(slow.statusCode).toBe(400);
    expect(slow.json().error.issues[0]).toMatchObject({
      path: 'body.pfxBase64',
      message: expect.stringMatching(/iterations/),
    });
    expect((await get('certificates/Wrong')).statusCode).toBe(404);
  });

  it('reads a legacy RC2 export and an EC key', async () => {
    const rc2 = await put('certificates/Legacy', {
      format: 'pfx',
      pfxBase64: fixture('rc2.pfx').toString('base64'),
      password: PFX_PASSWORD,
    });
    expect(rc2.statusCode).toBe(201);
    expect(rc2.json()).toMatchObject({ thumbprint: THUMBPRINT, hasPrivateKey: true });
    const ec = await put('certificates/Ec', {
      format: 'pfx',
      pfxBase64: fixture('ec.pfx').toString('base64'),
      password: PFX_PASSWORD,
      exportable: true,
    });
    expect(ec.statusCode).toBe(201);
    expect(ec.json()).toMatchObject({ subject: 'CN=steward-ec-test', hasPrivateKey: true });
    const read = await service().readAssetForJob(accountId, 'certificate', 'Ec');
    expect(read).toMatchObject({ privateKeyPem: expect.stringContaining('PRIVATE KEY') });
  });

  it('reads PEM with an encrypted key (passphrase named when wrong), and public-only PEM and DER', async () => {
    const certificatePem = fixture('cert.pem').toString();
    const privateKeyPem = fixture('key-encrypted.pem').toString();
    const wrong = await put('certificates/Pem', {
      format: 'pem',
      certificatePem,
      privateKeyPem,
      privateKeyPassphrase: 'no',
    });
    expect(wrong.json().error.issues[0].path).toBe('body.privateKeyPassphrase');
    const ok = await put('certificates/Pem', {
      format: 'pem',
      certificatePem,
      privateKeyPem,
      privateKeyPassphrase: 'key-Pa55',
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ thumbprint: THUMBPRINT, hasPrivateKey: true });
    const pub = await put('certificates/Public', { format: 'pem', certificatePem, exportable: true });
    expect(pub.json()).toMatchObject({ hasPrivateKey: false, exportable: false });
    const der = await put('certificates/Der', {
      format: 'cer',
      certificateBase64: fixture('cert.der').toString('base64'),
    });
    expect(der.json()).toMatchObject({ thumbprint: THUMBPRINT, hasPrivateKey: false });
    const notCert = await put('certificates/Bad', { format: 'pem', certificatePem: 'hello' });
    expect(notCert.json().error.issues[0].path).toBe('body.certificatePem');
  });
});

describe('listing, deleting and secrecy', () => {
  it('lists by kind and all together; deletes an asset and its sealed value', async () => {
    const all = (await get('assets')).json().items;
    expect(new Set(all.map((a: { kind: string }) => a.kind))).toEqual(
      new Set(['variable', 'credential', 'connection', 'certificate']),
    );
    const vars = (await get('variables')).json().items;
    expect(vars.every((a: { kind: string }) => a.kind === 'variable')).toBe(true);
    expect((await get('assets?kind=credential')).json().items).toHaveLength(1);
    const id = (await get('variables/ApiSecret')).json().id;
    const del = await t.request({
      method: 'DELETE',
      url: `${base()}/variables/ApiSecret`,
      token: t.adminToken,
    });
    expect(del.statusCode).toBe(204);
    const [n] = await t.database.query<{ n: string }>(
      'SELECT count(*) AS n FROM sealed_secrets WHERE id = $1',
      [id],
    );
    expect(Number(n?.n)).toBe(0);
    await expect(service().readAssetForJob(accountId, 'variable', 'ApiSecret')).rejects.toThrow(/not found/);
  });

  it('never shows a secret in any response, audit record or log line', async () => {
    const token = await t.tokenFor('read-only-operator');
    const bodies = [(await get('assets', token)).body];
    for (const a of (await get('assets')).json().items as { kind: string; name: string }[]) {
      const coll = {
        variable: 'variables',
        credential: 'credentials',
        connection: 'connections',
        certificate: 'certificates',
      }[a.kind];
      bodies.push((await get(`${coll}/${encodeURIComponent(a.name)}`, token)).body);
    }
    const everything = [...bodies, await auditText(), ...logLines].join('\n');
    for (const s of SECRETS) expect(everything, s).not.toContain(s);
    expect(logLines.length).toBeGreaterThan(0);
  });

  it('lets operators read but not write or delete assets (403)', async () => {
    for (const role of ['operator', 'advanced-operator', 'read-only-operator'] as const) {
      const token = await t.tokenFor(role);
      expect((await get('credentials', token)).statusCode).toBe(200);
      expect((await put('variables/ByOperator', { value: 1 }, token)).statusCode).toBe(403);
      expect(
        (await t.request({ method: 'DELETE', url: `${base()}/credentials/SqlLogin`, token })).statusCode,
      ).toBe(403);
    }
    const author = await t.tokenFor('author');
    expect((await put('variables/ByAuthor', { value: 1 }, author)).statusCode).toBe(201);
  });
});
