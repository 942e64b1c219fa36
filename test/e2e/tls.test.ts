// Proves TLS end to end with real processes: a server with its self-signed certificate (kept in its data
// directory, key mode 0600, fingerprint logged and returned with enrollment tokens, HSTS on answers), an agent
// pinned to that fingerprint enrolls and keeps the pin over a restart, and an agent pinned to another one is
// refused before it sends anything: the server never sees its token.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateFingerprint } from '../../src/crypto/certificate-fingerprint.js';
import { trustingFetch } from '../../src/crypto/tls-trust.js';
import { type AgentProcess, startAgent } from '../support/agent-process.js';
import { assertCliBuilt, runCliProcess } from '../support/cli-process.js';
import { until } from '../support/e2e-stage.js';
import { oneTimePasswordOf, type ServerProcess, startServer, tempDir } from '../support/server-process.js';

let server: ServerProcess;
let fingerprint: string;
let pinned: typeof fetch;
let token: string;
const agents: AgentProcess[] = [];
/** The pinned agent's arguments once it enrolled (its data directory remembers the pin). */
const pinnedAgentArgs = () => ['--server', server.url, '--data-dir', pinnedDataDir, '--name', 'tls-pinned'];
let pinnedDataDir = '';

async function call<T = { [k: string]: unknown }>(
  method: string,
  path: string,
  body?: unknown,
  bearer = token,
) {
  const res = await pinned(`${server.url}${path}`, {
    method,
    headers: {
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

beforeAll(async () => {
  assertCliBuilt();
  server = await startServer({ env: { STEWARD_TLS: 'on' } });
  fingerprint = certificateFingerprint(readFileSync(join(server.dataDir, 'tls', 'server.crt'), 'utf8'));
  pinned = trustingFetch({ fingerprints: [fingerprint] });
  const password = await oneTimePasswordOf(server);
  const login = await call<{ token: string }>(
    'POST',
    '/api/v1/auth/login',
    { username: 'admin', password },
    '',
  );
  expect(login.status).toBe(200);
  token = login.body.token;
  const changed = await call('POST', '/api/v1/me/password', {
    currentPassword: password,
    newPassword: 'tls-e2e-admin-password',
  });
  expect(changed.status).toBe(200);
}, 90_000);

afterAll(async () => {
  for (const a of agents) await a.stop('SIGKILL');
  await server?.stop();
});

const agentsNamed = async (name: string) =>
  (
    (
      await call<{ items: { computerName: string; status: string; lastSeenAt: string | null }[] }>(
        'GET',
        '/api/v1/agents',
      )
    ).body.items ?? []
  ).filter((a) => a.computerName === name);

describe('a server speaking TLS with its self-signed certificate', () => {
  it('keeps its key private, logs its fingerprint, and answers with HSTS', async () => {
    expect(statSync(join(server.dataDir, 'tls', 'server.key')).mode & 0o777).toBe(0o600);
    await server.waitForStdout(new RegExp(`"certificateSha256":"${fingerprint}"`));
    const ready = await call('GET', '/readyz', undefined, '');
    expect(ready.status).toBe(200);
    expect(ready.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    // A client that trusts nothing of this server's refuses it.
    await expect(fetch(`${server.url}/readyz`)).rejects.toThrow();
  });

  it('enrolls an agent pinned to the fingerprint the token came with, and the pin survives a restart', async () => {
    const issued = await call<{ token: string; serverCertificateSha256: string }>(
      'POST',
      '/api/v1/agents/enrollment-tokens',
      { computerName: 'tls-pinned' },
    );
    expect(issued.status).toBe(201);
    expect(issued.body.serverCertificateSha256).toBe(fingerprint);
    const colons = fingerprint.toUpperCase().replace(/(..)(?!$)/g, '$1:');
    pinnedDataDir = tempDir('steward-tls-agent-');
    const args = pinnedAgentArgs();
    const first = startAgent([...args, '--token', issued.body.token, '--ca-fingerprint', colons]);
    agents.push(first);
    await until('the pinned agent to enroll and be seen', async () =>
      (await agentsNamed('tls-pinned')).find((a) => a.status === 'approved' && a.lastSeenAt)
        ? true
        : undefined,
    );
    await first.stop();
    const before = (await agentsNamed('tls-pinned'))[0]!.lastSeenAt;
    const again = startAgent(args);
    agents.push(again);
    await again.waitForLog(/"msg":"configuration received"|configuration/, 30_000);
    expect(again.stderr()).not.toMatch(/not the pinned one/);
    await again.stop();
    expect(before).not.toBeNull();
  });

  it('refuses a server whose certificate is not the pinned one before sending it anything', async () => {
    const issued = await call<{ token: string; id: string }>('POST', '/api/v1/agents/enrollment-tokens', {
      computerName: 'tls-wrong-pin',
    });
    const wrong = startAgent([
      '--server',
      server.url,
      '--data-dir',
      tempDir('steward-tls-agent-'),
      '--name',
      'tls-wrong-pin',
      '--token',
      issued.body.token,
      '--ca-fingerprint',
      'ab'.repeat(32),
    ]);
    agents.push(wrong);
    await wrong.waitForLog(/is not the pinned one/, 20_000);
    await wrong.stop();
    expect(await agentsNamed('tls-wrong-pin')).toEqual([]);
    const audit = await call<{ items: { kind: string; target: string }[] }>(
      'GET',
      '/api/v1/audit?kind=agent.*&limit=1000',
    );
    // Only the making of its token is on record: no enrollment ever reached the server.
    const about = audit.body.items.filter((r) => JSON.stringify(r).includes('tls-wrong-pin'));
    expect(about.map((r) => r.kind)).toEqual([expect.stringMatching(/token/)]);
  });

  it('lets the command-line client pin the server (STEWARD_CA_FINGERPRINT), and refuses it unpinned or pinned to another', async () => {
    const env = { STEWARD_URL: server.url, STEWARD_TOKEN: token, HOME: tempDir('steward-tls-cli-home-') };
    const pinnedRun = await runCliProcess(['user', 'list'], { ...env, STEWARD_CA_FINGERPRINT: fingerprint });
    expect(pinnedRun.stderr).toBe('');
    expect(pinnedRun.code).toBe(0);
    expect(pinnedRun.stdout).toContain('admin');
    const unpinned = await runCliProcess(['user', 'list'], env);
    expect(unpinned.code).toBe(8);
    const wrong = await runCliProcess(['user', 'list'], { ...env, STEWARD_CA_FINGERPRINT: 'ab'.repeat(32) });
    expect(wrong.code).toBe(8);
    expect(wrong.stderr).toMatch(/is not the pinned one/);
    const bad = await runCliProcess(['user', 'list'], { ...env, STEWARD_CA_FINGERPRINT: 'not-a-pin' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/STEWARD_CA_FINGERPRINT: 'not-a-pin' is not a SHA-256 fingerprint/);
  });

  it("gives a hybrid job its agent's pin: `steward login --identity` and the API calls of the job reach the pinned server", async () => {
    const agent = startAgent(pinnedAgentArgs());
    agents.push(agent);
    const [registered] = await agentsNamed('tls-pinned');
    const account = await call<{ id: string; identity: { principalId: string } }>(
      'POST',
      '/api/v1/automation-accounts',
      { name: 'tls-hybrid' },
    );
    await call('POST', '/api/v1/role-assignments', {
      principalId: account.body.identity.principalId,
      role: 'Reader',
      scope: `/automationAccounts/${account.body.id}`,
    });
    const group = await call<{ id: string }>('POST', '/api/v1/worker-groups', { name: 'TLS-Workers' });
    await call('POST', `/api/v1/worker-groups/${group.body.id}/agents`, {
      agentId: (registered as unknown as { id: string }).id,
    });
    const rb = await call<{ id: string }>('POST', `/api/v1/automation-accounts/${account.body.id}/runbooks`, {
      name: 'Pinned-Login',
      type: 'shell',
      content: `
echo "pinned: \${STEWARD_CA_FINGERPRINT:-none}"
steward login --identity > /dev/null || echo "login failed"
steward automation account show "$AUTOMATION_ACCOUNT_ID" > /dev/null && echo "api: allowed"
`,
    });
    await call('POST', `/api/v1/runbooks/${rb.body.id}/publish`);
    const job = await call<{ id: string }>('POST', `/api/v1/runbooks/${rb.body.id}/jobs`, {
      runOn: group.body.id,
    });
    expect(job.status).toBe(201);
    const done = await until(
      'the hybrid job on the pinned agent to end',
      async () => {
        const j = await call<{ status: string }>('GET', `/api/v1/jobs/${job.body.id}`);
        return ['Completed', 'Failed', 'Stopped'].includes(j.body.status) ? j.body : undefined;
      },
      { timeoutMs: 30_000, diagnostics: () => agent.stderr() },
    );
    const streams = await call<{ items: { stream: string; text: string }[] }>(
      'GET',
      `/api/v1/jobs/${job.body.id}/streams?limit=1000`,
    );
    const output = streams.body.items.map((i) => `${i.stream}: ${i.text}`).join('\n');
    expect(done.status, output).toBe('Completed');
    expect(output).toContain(`pinned: ${fingerprint}`);
    expect(output).not.toContain('login failed');
    expect(output).toContain('api: allowed');
  }, 60_000);
});
