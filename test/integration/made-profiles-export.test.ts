// Proves that profiles made by hand in an unsealed pack travel with its export: exporting the pack and
// importing it into a fresh server gives the same profiles (Notifications Internal Library included), and
// importing the export again where it came from changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createTestApp, type TestApp } from '../support/test-app.js';

const NIL = 'Microsoft.SystemCenter.Notifications.Internal';
let a: TestApp;
let b: TestApp;
beforeAll(async () => {
  a = await createTestApp();
  b = await createTestApp();
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

async function call(t: TestApp, method: string, url: string, body?: unknown) {
  const res = await t.request({ method, url, token: t.adminToken, body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}
const profileView = async (t: TestApp, packId: string) =>
  (await call(t, 'GET', `/api/v1/profiles?packId=${packId}`)).body.items.map(
    (p: Record<string, unknown>) => ({
      id: p.id,
      displayName: p.displayName,
      description: p.description,
      contextClassId: p.contextClassId,
      packId: p.packId,
    }),
  );

describe('exporting an unsealed pack with profiles made by hand', () => {
  it('round-trips Notifications Internal Library with a hand-made profile into a fresh server', async () => {
    const made = await call(a, 'POST', '/api/v1/profiles', {
      displayName: 'External Mail Account',
      description: 'Signs in to the external mail service.',
      packId: NIL,
      contextClassId: 'Steward.AlertNotificationSubscriptionServer',
    });
    expect(made.status).toBe(201);
    const exported = await call(a, 'GET', `/api/v1/packs/${NIL}/export`);
    expect(exported.status).toBe(200);
    expect(parse(exported.body.content).profiles).toEqual([
      {
        id: `${NIL}.ExternalMailAccount`,
        displayName: 'External Mail Account',
        description: 'Signs in to the external mail service.',
        contextClass: 'Steward.AlertNotificationSubscriptionServer',
      },
    ]);

    const imported = await call(b, 'POST', '/api/v1/packs', { content: exported.body.content });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(imported.body.changes.added.profiles).toBe(1);
    expect(await profileView(b, NIL)).toEqual(await profileView(a, NIL));
    // Still made by hand on the new server: it is deleted by hand, and audited as made there.
    const shown = await call(b, 'GET', `/api/v1/profiles/${NIL}.ExternalMailAccount`);
    expect(shown.body.createdBy).toEqual(expect.stringContaining('admin'));
    const audit = await call(b, 'GET', '/api/v1/audit?kind=profile.create&limit=10');
    expect(audit.body.items.map((i: { target: string }) => i.target)).toContain(`${NIL}.ExternalMailAccount`);
    // Exporting from the new server gives the same text; importing it again changes nothing.
    const again = await call(b, 'GET', `/api/v1/packs/${NIL}/export`);
    expect(again.body.content).toBe(exported.body.content);
    expect((await call(b, 'POST', '/api/v1/packs', { content: again.body.content })).body.outcome).toBe(
      'unchanged',
    );
    expect((await call(a, 'POST', '/api/v1/packs', { content: exported.body.content })).body.outcome).toBe(
      'unchanged',
    );
  });

  it('still refuses an import that changes the built-in pack itself, writing nothing', async () => {
    const exported = (await call(a, 'GET', `/api/v1/packs/${NIL}/export`)).body.content as string;
    const changed = exported.replace('version: 1.0.0', 'version: 1.0.1');
    const before = await profileView(b, NIL);
    const r = await call(b, 'POST', '/api/v1/packs', {
      content: changed.replace('ExternalMailAccount', 'OtherAccount'),
    });
    expect(r.status).toBe(422);
    expect(r.body.error.message).toContain('is built in');
    expect(await profileView(b, NIL)).toEqual(before);
  });

  it('round-trips a user pack (JSON) with a hand-made profile; the profile comes with the pack', async () => {
    const pack = {
      id: 'Contoso.Runbooks',
      version: '1.0.0',
      sealed: false,
      references: [{ id: 'Steward.Library', minVersion: '2.0.0' }],
      profiles: [{ id: 'Contoso.Runbooks.Declared', contextClass: 'System.Computer' }],
    };
    expect((await call(a, 'POST', '/api/v1/packs', { content: JSON.stringify(pack) })).status).toBe(201);
    const made = await call(a, 'POST', '/api/v1/profiles', {
      displayName: 'Backup Operator',
      packId: 'Contoso.Runbooks',
      contextClassId: 'System.Computer',
    });
    expect(made.status).toBe(201);
    const exported = await call(a, 'GET', '/api/v1/packs/Contoso.Runbooks/export');
    expect(exported.body.format).toBe('json');
    expect(JSON.parse(exported.body.content).profiles.map((p: { id: string }) => p.id)).toEqual([
      'Contoso.Runbooks.Declared',
      'Contoso.Runbooks.BackupOperator',
    ]);
    expect((await call(b, 'POST', '/api/v1/packs', { content: exported.body.content })).status).toBe(201);
    expect(await profileView(b, 'Contoso.Runbooks')).toEqual(await profileView(a, 'Contoso.Runbooks'));
    // Where it came from, the export is the same pack: the made profile stays made by hand.
    const back = await call(a, 'POST', '/api/v1/packs', { content: exported.body.content });
    expect(back.body.outcome).toBe('unchanged');
    expect(
      (await call(a, 'GET', '/api/v1/profiles/Contoso.Runbooks.BackupOperator')).body.createdBy,
    ).toBeTruthy();
  });
});
