// Proves every change to an automation account's contents is audited with who made it and what it touched —
// account changes, assets and connection types set and deleted, runbooks renamed and deleted, webhooks created,
// changed and deleted — and that no secret value or webhook token reaches an audit record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';

const VARIABLE_SECRET = 'audit-variable-secret-5h2';
const CREDENTIAL_SECRET = 'audit-credential-secret-9q';
const FIELD_SECRET = 'audit-field-secret-3k';

let t: TestApp;
let author: string;
beforeAll(async () => {
  t = await createTestApp();
  author = await t.tokenFor('author');
});
afterAll(() => t.close());

async function call(method: string, url: string, body?: unknown) {
  const res = await t.request({ method, url, token: author, body });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.statusCode === 204 ? undefined : res.json();
}

describe('the audit log of automation', () => {
  it('records every change with its actor, target and names, and never a secret or a webhook token', async () => {
    const account = (await call('POST', '/api/v1/automation-accounts', { name: 'audited' })).id as string;
    const base = `/api/v1/automation-accounts/${account}`;
    await call('PATCH', `/api/v1/automation-accounts/${account}`, {
      description: 'watched',
      limits: { maxConcurrentJobs: 2 },
    });
    const variable = (
      await call('PUT', `${base}/variables/ApiKey`, { value: VARIABLE_SECRET, encrypted: true })
    ).id as string;
    const credential = (
      await call('PUT', `${base}/credentials/Sql`, { userName: 'sa', password: CREDENTIAL_SECRET })
    ).id as string;
    await call('PUT', `${base}/connection-types/RestApi`, { fields: [{ name: 'Key', encrypted: true }] });
    const connection = (
      await call('PUT', `${base}/connections/Billing`, {
        connectionType: 'RestApi',
        fieldValues: { Key: FIELD_SECRET },
      })
    ).id as string;
    await call('DELETE', `${base}/connections/Billing`);
    await call('DELETE', `${base}/connection-types/RestApi`);
    await call('DELETE', `${base}/variables/ApiKey`);
    const rb = (await call('POST', `${base}/runbooks`, { name: 'Audited', type: 'shell', content: 'echo' }))
      .id as string;
    await call('PATCH', `/api/v1/runbooks/${rb}`, { name: 'Audited-Renamed' });
    await call('POST', `/api/v1/runbooks/${rb}/publish`);
    const hook = await call('POST', `${base}/webhooks`, { name: 'Hook', runbookId: rb });
    await call('PATCH', `/api/v1/webhooks/${hook.id}`, { enabled: false });
    await call('DELETE', `/api/v1/webhooks/${hook.id}`);
    await call('DELETE', `/api/v1/runbooks/${rb}`);

    const rows = await t.database.query<{ actor: string; kind: string; target: string; details: unknown }>(
      'SELECT actor, kind, target, details FROM audit_log WHERE seq > 0 ORDER BY seq',
    );
    const ours = rows.filter((r) => JSON.stringify(r).includes(account) || [rb, hook.id].includes(r.target));
    expect(ours.every((r) => r.actor.startsWith('user:'))).toBe(true);
    const seen = ours.map((r) => [r.kind, r.target]);
    for (const expected of [
      ['automation-account.update', account],
      ['asset.set', variable],
      ['asset.set', credential],
      ['asset.set', connection],
      ['asset.delete', connection],
      ['asset.delete', variable],
      ['runbook.update', rb],
      ['webhook.create', hook.id],
      ['webhook.update', hook.id],
      ['webhook.delete', hook.id],
      ['runbook.delete', rb],
    ])
      expect(seen, expected.join(' ')).toContainEqual(expected);
    const kinds = ours.map((r) => r.kind);
    expect(kinds).toContain('connection-type.set');
    expect(kinds).toContain('connection-type.delete');
    expect(ours.find((r) => r.kind === 'asset.delete' && r.target === variable)?.details).toMatchObject({
      kind: 'variable',
      name: 'ApiKey',
    });

    const everything = JSON.stringify(rows);
    for (const secret of [VARIABLE_SECRET, CREDENTIAL_SECRET, FIELD_SECRET, hook.token as string])
      expect(everything).not.toContain(secret);
  });
});
