// Proves with a real server process and real cloud jobs that a runbook manages Steward with its identity and
// least privilege: `steward login --identity` in a job signs in with a token from IDENTITY_ENDPOINT, and its
// next `steward` command is refused without a role assignment and allowed with one; the job's token verifies
// with jose against the JWKS the discovery document names (issuer and audience exact); once its assignment is
// removed the same token is refused on the next request; a job's IDENTITY_HEADER is refused once the job ended,
// also when another job presents it; and no token or identity header reaches the server's output.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import {
  api,
  oneTimePasswordOf,
  type ServerProcess,
  signInAsBootstrapAdmin,
  startServer,
} from '../support/server-process.js';

let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.stop('SIGKILL');
});

// Two steward commands (each a node process) and plain files and curl for the rest, to keep the job short.
const runbook = (dir: string) => `
steward login --identity > /dev/null
if steward automation account show "$AUTOMATION_ACCOUNT_ID" > /dev/null 2>&1; then echo "api: allowed"; else echo "api: refused"; fi
cp "$HOME/.config/steward/credentials.json" "${dir}/$AUTOMATION_JOB_ID.credentials"
printf '%s %s\\n' "$IDENTITY_ENDPOINT" "$IDENTITY_HEADER" > "${dir}/$AUTOMATION_JOB_ID.header"
if [ -f "${dir}/previous.header" ]; then
  read ep hdr < "${dir}/previous.header"
  echo "ended job's header: $(curl -s -o /dev/null -w '%{http_code}' -H "X-IDENTITY-HEADER: $hdr" "$IDENTITY_ENDPOINT?resource=api://steward")"
fi
`;

describe('a cloud job calling Steward with its identity', () => {
  it('is refused without a role, allowed with one, refused again once it is removed; its token verifies with jose', async () => {
    server = await startServer({ env: { STEWARD_LOG_LEVEL: 'info' } });
    const s = server;
    const admin = await signInAsBootstrapAdmin(
      s.url,
      await oneTimePasswordOf(s),
      'identity api e2e password',
    );
    const call = async <T = Record<string, unknown>>(
      method: string,
      path: string,
      body?: unknown,
      token = admin,
    ) => {
      const r = await api<T>(s.url, method, path, { token, body });
      return r;
    };
    const dir = mkdtempSync(join(tmpdir(), 'steward-identity-e2e-'));
    // Jobs may run as an unprivileged user: they write their results here.
    chmodSync(dir, 0o777);

    const aa = (
      await call<{ id: string; identity: { principalId: string } }>('POST', '/api/v1/automation-accounts', {
        name: 'self-managing',
      })
    ).body;
    const rb = (
      await call<{ id: string }>('POST', `/api/v1/automation-accounts/${aa.id}/runbooks`, {
        name: 'Probe',
        type: 'shell',
        content: runbook(dir),
      })
    ).body;
    expect((await call('POST', `/api/v1/runbooks/${rb.id}/publish`)).status).toBe(200);

    async function run() {
      const job = (await call<{ id: string }>('POST', `/api/v1/runbooks/${rb.id}/jobs`, {})).body;
      const until = Date.now() + 45_000;
      for (;;) {
        const j = (await call<{ status: string }>('GET', `/api/v1/jobs/${job.id}`)).body;
        if (['Completed', 'Failed', 'Stopped'].includes(j.status)) break;
        if (Date.now() > until) throw new Error(`job ${job.id} still ${j.status}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const streams = (
        await call<{ items: { stream: string; text: string }[] }>('GET', `/api/v1/jobs/${job.id}/streams`)
      ).body;
      return { id: job.id, output: streams.items.map((i) => `${i.stream}: ${i.text}`).join('\n') };
    }

    const first = await run();
    expect(first.output).toContain('api: refused');
    const [firstEndpoint, firstHeader] = readFileSync(join(dir, `${first.id}.header`), 'utf8')
      .trim()
      .split(' ');
    // The ended job's header, asked for a token directly: refused.
    const late = await fetch(`${firstEndpoint}?resource=api://steward&api-version=2019-08-01`, {
      headers: { 'X-IDENTITY-HEADER': firstHeader!, Metadata: 'true' },
    });
    expect(late.status).toBe(401);
    expect(await late.text()).not.toContain('access_token');

    const ra = await call<{ id: string }>('POST', '/api/v1/role-assignments', {
      principalId: aa.identity.principalId,
      role: 'Reader',
      scope: `/automationAccounts/${aa.id}`,
    });
    expect(ra.status).toBe(201);
    writeFileSync(join(dir, 'previous.header'), `${firstEndpoint} ${firstHeader}\n`, { mode: 0o644 });
    const second = await run();
    expect(second.output).toContain('api: allowed');
    expect(second.output).toContain("ended job's header: 401");

    // The token `steward login --identity` keeps in the job's credentials file.
    const saved = JSON.parse(readFileSync(join(dir, `${second.id}.credentials`), 'utf8'));
    const answer = { access_token: saved.token as string };
    expect(saved.url).toBe(s.url);
    const discovery = (await (await fetch(`${s.url}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
      jwks_uri: string;
    };
    const { payload } = await jwtVerify(
      answer.access_token,
      createRemoteJWKSet(new URL(discovery.jwks_uri)),
      {
        issuer: discovery.issuer,
        audience: 'api://steward',
      },
    );
    expect(payload).toMatchObject({
      oid: aa.identity.principalId,
      sub: aa.identity.principalId,
      job_id: second.id,
    });

    const accountUrl = `/api/v1/automation-accounts/${aa.id}`;
    expect((await call('GET', accountUrl, undefined, answer.access_token)).status).toBe(200);
    expect((await call('DELETE', `/api/v1/role-assignments/${ra.body.id}`)).status).toBe(204);
    const refused = await call<{ error: { code: string } }>(
      'GET',
      accountUrl,
      undefined,
      answer.access_token,
    );
    expect(refused.status).toBe(403);

    const output = s.stdout() + s.stderr();
    expect(output.length).toBeGreaterThan(0);
    for (const job of [first.id, second.id]) {
      const token = JSON.parse(readFileSync(join(dir, `${job}.credentials`), 'utf8')).token as string;
      const header = readFileSync(join(dir, `${job}.header`), 'utf8')
        .trim()
        .split(' ')[1]!;
      expect(output).not.toContain(token.split('.')[2]);
      expect(output).not.toContain(header);
    }
  }, 150_000);
});
