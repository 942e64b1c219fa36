// Proves that certificates of automation accounts expiring soon become findings and alerts (Q5): the Run As
// certificate under the warning window is a warning whose fix is `runas renew`, a certificate asset under 3 days
// is critical; the watcher raises one alert for each (which notification subscriptions match like any other)
// and resolves the Run As one once the certificate is renewed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createRunAsCertificate } from '../../../crypto/run-as-certificate.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await t.app.runtime.leases.renew();
});
afterAll(async () => {
  await t.app.runtime.stop();
  await t.close();
});

const call = (method: string, url: string, body?: unknown) =>
  t.request({ method, url, token: t.adminToken, body });
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);
const pemWithKey = async (days: number) => {
  const c = await createRunAsCertificate({
    commonName: `expiring-${days}`,
    months: 1,
    notAfter: inDays(days),
  });
  return { format: 'pem', certificatePem: c.certificatePem, privateKeyPem: c.privateKeyPem };
};
const openAlerts = async () =>
  (await call('GET', '/api/v1/alerts?state=open'))
    .json()
    .items.filter((a: { name: string }) => /Certificate Expiring/.test(a.name)) as {
    name: string;
    severity: string;
    description: string;
  }[];

describe('expiring certificates of automation accounts', () => {
  it('are findings and alerts, warning or critical by the days left, and renewal resolves them', async () => {
    const a = (await call('POST', '/api/v1/automation-accounts', { name: 'expiring' })).json();
    const runAs = await call('POST', `/api/v1/automation-accounts/${a.id}/run-as-account`, {
      certificate: await pemWithKey(8),
    });
    expect(runAs.statusCode, runAs.body).toBe(201);
    const other = await call(
      'PUT',
      `/api/v1/automation-accounts/${a.id}/certificates/Partner`,
      await pemWithKey(2),
    );
    expect(other.statusCode, other.body).toBe(201);
    await call('POST', '/api/v1/automation-accounts', { name: 'not-expiring' });

    const findings = (await call('GET', '/api/v1/findings?kind=expiring')).json().items;
    const mine = findings.filter(
      (f: { subject: { automationAccountId?: string } }) => f.subject.automationAccountId === a.id,
    );
    expect(mine.map((f: { severity: string; fix: string }) => [f.severity, f.fix]).sort()).toEqual(
      [
        ['critical', 'steward asset set certificate Partner --account expiring --file <new certificate>'],
        ['warning', 'steward automation runas renew expiring'],
      ].sort(),
    );

    await t.app.runtime.sweep();
    const raised = await openAlerts();
    expect(raised.map((x) => [x.name, x.severity]).sort()).toEqual([
      ['Automation Certificate Expiring', 'critical'],
      ['Run As Certificate Expiring', 'warning'],
    ]);
    await t.app.runtime.sweep();
    expect(await openAlerts()).toHaveLength(2);

    expect(
      (await call('POST', `/api/v1/automation-accounts/${a.id}/run-as-account/renew`, {})).statusCode,
    ).toBe(200);
    await t.app.runtime.sweep();
    expect((await openAlerts()).map((x) => x.name)).toEqual(['Automation Certificate Expiring']);
  });
});
