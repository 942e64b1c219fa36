// Proves `steward policy` in process against a listening app: definitions listed; a Deny assignment made by
// account name refuses creating a Run As account there (the CLI exits non-zero with the policy and the
// assignment named); an Audit assignment at '/' lets it through and `compliance` lists the account as
// non-compliant (table and JSON); assignments listed with the server's default first and removed; bad input
// refused with the server's reason.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../../test/support/cli-in-process.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

let t: TestApp;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'steward-policy-cli-'));
beforeAll(async () => {
  t = await createTestApp({
    legacyRunAsPolicy: { effect: 'Disabled', creationEndsOn: '2023-04-01', renewalEndsOn: '2023-10-01' },
  });
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => t.close());

const steward = (args: string[]) =>
  runCliInProcess(args, { STEWARD_URL: url, STEWARD_TOKEN: t.adminToken, HOME: dir });

describe('steward policy', () => {
  it('assigns Deny and Audit, refuses and lists compliance, lists and removes assignments', async () => {
    const defs = await steward(['policy', 'definitions']);
    expect(defs.code, defs.err).toBe(0);
    expect(defs.out).toContain('no-new-certificate-run-as-accounts');
    expect(defs.out).toContain('Audit | Deny | Disabled');

    const aa = JSON.parse((await steward(['automation', 'account', 'create', 'policy-cli', '--json'])).out);
    const deny = await steward([
      'policy',
      'assign',
      'no-new-certificate-run-as-accounts',
      '--scope',
      'policy-cli',
      '--effect',
      'Deny',
      '--json',
    ]);
    expect(deny.code, deny.err).toBe(0);
    const denyId = JSON.parse(deny.out).id as string;
    expect(JSON.parse(deny.out)).toMatchObject({ scope: `/automationAccounts/${aa.id}`, effect: 'Deny' });

    const refused = await steward(['automation', 'runas', 'create', 'policy-cli']);
    expect(refused.code).toBe(4);
    expect(refused.err).toContain("policy 'No new certificate Run As accounts'");
    expect(refused.err).toContain(denyId);

    const unassigned = await steward(['policy', 'unassign', denyId]);
    expect(unassigned.code, unassigned.err).toBe(0);
    const audit = await steward([
      'policy',
      'assign',
      'no-new-certificate-run-as-accounts',
      '--effect',
      'Audit',
      '--param',
      'renewalEndsOn=2024-01-01',
    ]);
    expect(audit.code, audit.err).toBe(0);
    expect(audit.out).toContain("Assigned 'No new certificate Run As accounts' at / with effect Audit");
    const made = await steward(['automation', 'runas', 'create', 'policy-cli']);
    expect(made.code, made.err).toBe(0);

    const table = await steward(['policy', 'compliance', '--state', 'non-compliant']);
    expect(table.code, table.err).toBe(0);
    expect(table.out).toContain('policy-cli');
    expect(table.out).toContain('non-compliant');
    const json = JSON.parse(
      (await steward(['policy', 'compliance', '--account', 'policy-cli', '--json'])).out,
    );
    expect(json.items).toEqual([
      expect.objectContaining({
        resource: expect.objectContaining({ id: aa.id }),
        definitionId: 'no-new-certificate-run-as-accounts',
        state: 'non-compliant',
      }),
    ]);

    const listed = JSON.parse((await steward(['policy', 'assignments', '--json'])).out).items;
    expect(listed.map((a: { id: string; effect: string }) => [a.id, a.effect])).toEqual([
      ['pa_default-no-new-run-as', 'Disabled'],
      [expect.stringMatching(/^pa_/), 'Audit'],
    ]);
    expect(listed[1].parameters).toEqual({ creationEndsOn: '2023-04-01', renewalEndsOn: '2024-01-01' });
    const human = await steward(['policy', 'assignments']);
    expect(human.out).toContain('configuration');
  });

  it('refuses bad input with the reason and a non-zero exit', async () => {
    const effect = await steward([
      'policy',
      'assign',
      'automation-account-managed-identity',
      '--effect',
      'Deny',
    ]);
    expect(effect.code).toBe(2);
    expect(effect.err).toContain('body.effect');
    const unknown = await steward(['policy', 'assign', 'no-such-policy']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('body.definitionId');
    const param = await steward([
      'policy',
      'assign',
      'no-new-certificate-run-as-accounts',
      '--param',
      'when',
    ]);
    expect(param.code).not.toBe(0);
  });
});
