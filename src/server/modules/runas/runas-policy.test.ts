// Proves the server's default assignment of "No new certificate Run As accounts" (its effect and dates from the
// configuration) over HTTP: under Deny, creating a Run As account after the creation end date is refused with a
// 403 naming the policy and the assignment and nothing is made, and renewing after the renewal end date
// likewise; under Audit (the default) creation goes through and is recorded as non-compliant in the audit log;
// Disabled records nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import type { PolicyEffect } from '../../../domain/policy/policy-definition.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const DAY = 86_400_000;
const start = Date.now();
const dayAt = (days: number) => new Date(start + days * DAY);
const dateAt = (days: number) => dayAt(days).toISOString().slice(0, 10);

/** An app whose policy ends creation in 2 days and renewal in 5 (the dates are settings, not Azure's constants). */
async function appWith(effect: PolicyEffect) {
  let clock = dayAt(0);
  t = await createTestApp({
    legacyRunAsPolicy: { effect, creationEndsOn: dateAt(2), renewalEndsOn: dateAt(5) },
    now: () => clock,
  });
  const app = t;
  const call = (method: string, url: string, body?: unknown) =>
    app.request({ method, url, token: app.adminToken, body });
  return {
    call,
    setClock: (days: number) => {
      clock = dayAt(days);
    },
    account: async (name: string) =>
      (await call('POST', '/api/v1/automation-accounts', { name })).json().id as string,
    nonCompliant: async () =>
      (await call('GET', '/api/v1/audit?kind=policy.non-compliant')).json().items as {
        target: string;
        details: Record<string, unknown>;
      }[],
  };
}

describe('the legacy Run As policy', () => {
  it('under Deny refuses creation from the creation end date, and renewal from the renewal end date', async () => {
    const s = await appWith('Deny');
    const early = await s.account('before-cutoff');
    expect((await s.call('POST', `/api/v1/automation-accounts/${early}/run-as-account`, {})).statusCode).toBe(
      201,
    );

    s.setClock(3);
    const late = await s.account('after-cutoff');
    const refused = await s.call('POST', `/api/v1/automation-accounts/${late}/run-as-account`, {});
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toContain(
      "Refused by policy 'No new certificate Run As accounts' (assignment pa_default-no-new-run-as at /, effect Deny)",
    );
    expect(refused.json().error.message).toContain(`not allowed since ${dateAt(2)}`);
    expect((await s.call('GET', `/api/v1/automation-accounts/${late}/run-as-account`)).statusCode).toBe(404);
    expect((await s.call('GET', `/api/v1/automation-accounts/${late}/certificates`)).json().items).toEqual(
      [],
    );
    // Renewal is still allowed until support ends.
    expect(
      (await s.call('POST', `/api/v1/automation-accounts/${early}/run-as-account/renew`, {})).statusCode,
    ).toBe(200);

    s.setClock(6);
    const renew = await s.call('POST', `/api/v1/automation-accounts/${early}/run-as-account/renew`, {});
    expect(renew.statusCode).toBe(403);
    expect(renew.json().error.message).toContain(
      `Renewals of certificate Run As accounts are not allowed since ${dateAt(5)}`,
    );
  });

  it('under Audit lets creation through and records it as non-compliant; Disabled records nothing', async () => {
    const s = await appWith('Audit');
    s.setClock(3);
    const id = await s.account('audited');
    expect((await s.call('POST', `/api/v1/automation-accounts/${id}/run-as-account`, {})).statusCode).toBe(
      201,
    );
    const records = await s.nonCompliant();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      target: id,
      details: {
        policyId: 'no-new-certificate-run-as-accounts',
        policyName: 'No new certificate Run As accounts',
        assignmentId: 'pa_default-no-new-run-as',
        effect: 'Audit',
        operation: 'runas.create',
      },
    });
    await t!.close();
    t = undefined;

    const off = await appWith('Disabled');
    off.setClock(3);
    const id2 = await off.account('unchecked');
    expect((await off.call('POST', `/api/v1/automation-accounts/${id2}/run-as-account`, {})).statusCode).toBe(
      201,
    );
    expect(await off.nonCompliant()).toEqual([]);
  });
});
