// Proves `steward role` in process against a listening app: a role assigned to an account's system identity by
// its account id and to a user-assigned identity by uami id, listed by principal and by scope (table and
// JSON), removed; a bad role or scope is refused with the server's reason and a non-zero exit; and `steward
// login --identity` outside a job says why it cannot sign in.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../../test/support/cli-in-process.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

let t: TestApp;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'steward-role-cli-'));
beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => t.close());

const steward = (args: string[], env: Record<string, string> = {}) =>
  runCliInProcess(args, { STEWARD_URL: url, STEWARD_TOKEN: t.adminToken, HOME: dir, ...env });

describe('steward role', () => {
  it('assigns by account and uami id, lists by principal and scope, and removes', async () => {
    const aa = JSON.parse((await steward(['automation', 'account', 'create', 'role-cli', '--json'])).out);
    const uami = JSON.parse((await steward(['identity', 'create', 'role-cli-uami', '--json'])).out);
    const scope = `/automationAccounts/${aa.id}`;
    const a = await steward([
      'role',
      'assign',
      '--principal',
      aa.id,
      '--role',
      'Reader',
      '--scope',
      scope,
      '--json',
    ]);
    expect(a.code, a.err).toBe(0);
    expect(JSON.parse(a.out)).toMatchObject({ principalId: aa.identity.principalId, role: 'Reader', scope });
    const b = await steward([
      'role',
      'assign',
      '--principal',
      uami.id,
      '--role',
      'Automation Job Operator',
      '--scope',
      scope,
    ]);
    expect(b.code, b.err).toBe(0);
    expect(b.out).toContain('Assigned Automation Job Operator');

    const byScope = await steward(['role', 'list', '--scope', scope]);
    expect(byScope.code, byScope.err).toBe(0);
    expect(byScope.out).toContain(aa.identity.principalId);
    expect(byScope.out).toContain(uami.principalId);
    const mine = JSON.parse((await steward(['role', 'list', '--principal', uami.id, '--json'])).out).items;
    expect(mine.map((r: { role: string }) => r.role)).toEqual(['Automation Job Operator']);

    const removed = await steward(['role', 'remove', mine[0].id]);
    expect(removed.code, removed.err).toBe(0);
    expect(JSON.parse((await steward(['role', 'list', '--principal', uami.id, '--json'])).out).items).toEqual(
      [],
    );
  });

  it('refuses a bad role or scope with the reason, and login --identity outside a job', async () => {
    const aa = JSON.parse((await steward(['automation', 'account', 'create', 'role-cli-bad', '--json'])).out);
    const badRole = await steward([
      'role',
      'assign',
      '--principal',
      aa.id,
      '--role',
      'Administrator',
      '--scope',
      '/',
    ]);
    expect(badRole.code).not.toBe(0);
    expect(badRole.err).toContain('role');
    const badScope = await steward([
      'role',
      'assign',
      '--principal',
      aa.id,
      '--role',
      'Reader',
      '--scope',
      '/nowhere',
    ]);
    expect(badScope.code).not.toBe(0);
    expect(badScope.err).toContain('scope');
    const login = await steward(['login', '--identity'], { STEWARD_TOKEN: '' });
    expect(login.code).not.toBe(0);
    expect(login.err).toContain('IDENTITY_ENDPOINT');
  });
});
