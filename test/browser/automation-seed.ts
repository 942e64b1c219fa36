// Automation accounts the browser tests start from, made through the API as an administrator.
import { expect } from 'vitest';
import { api } from '../support/server-process.js';

/** Runs the legacy Run As sign-in: what the migration rewrites. */
export const LEGACY_RUNBOOK = [
  'CONN=$(steward asset get connection AzureRunAsConnection)',
  'APP=$(printf %s "$CONN" | jq -r .fields.ApplicationId)',
  'steward login --service-principal --app-id "$APP" > /dev/null',
  'echo done',
].join('\n');

export interface AutomationSeed {
  /** `ops`: no identity, and the published runbook `Hello` that takes the parameter `Name`. */
  opsId: string;
  helloId: string;
  /** `legacy-app`: still on a legacy Run As account, with the published runbook `Report` that signs in with it. */
  legacyId: string;
}

export async function seedAutomation(baseUrl: string, adminToken: string): Promise<AutomationSeed> {
  const call = (method: string, path: string, body?: unknown) =>
    api<{ id: string }>(baseUrl, method, path, { token: adminToken, body });
  const created = async (path: string, body: unknown) => {
    const res = await call('POST', path, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id;
  };
  const published = async (accountId: string, runbook: object) => {
    const id = await created(`/api/v1/automation-accounts/${accountId}/runbooks`, {
      type: 'shell',
      ...runbook,
    });
    expect((await call('POST', `/api/v1/runbooks/${id}/publish`)).status).toBe(200);
    return id;
  };

  const opsId = await created('/api/v1/automation-accounts', { name: 'ops', identity: { type: 'None' } });
  const helloId = await published(opsId, {
    name: 'Hello',
    content: 'echo "hello $PARAM_Name"\n',
    parameters: [{ name: 'Name', type: 'string' }],
  });
  const legacyId = await created('/api/v1/automation-accounts', {
    name: 'legacy-app',
    identity: { type: 'None' },
  });
  expect((await call('POST', `/api/v1/automation-accounts/${legacyId}/run-as-account`, {})).status).toBe(201);
  await published(legacyId, { name: 'Report', content: LEGACY_RUNBOOK });
  return { opsId, helloId, legacyId };
}
