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
import { assertCliBuilt } from '../support/cli-process.js';
import { until } from '../support/e2e-stage.js';
import { oneTimePasswordOf, type ServerProcess, startServer, tempDir } from '../support/server-process.js';

let server: ServerProcess;
let fingerprint: string;
let pinned: typeof fetch;
let token: string;
const agents: AgentProcess[] = [];

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
    const dataDir = tempDir('steward-tls-agent-');
    const colons = fingerprint.toUpperCase().replace(/(..)(?!$)/g, '$1:');
    const args = ['--server', server.url, '--data-dir', dataDir, '--name', 'tls-pinned'];
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
});
