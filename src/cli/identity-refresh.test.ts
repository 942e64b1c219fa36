// Proves that a `steward login --identity` sign-in renews itself inside a job, in process against a listening app
// and a real job endpoint whose IDENTITY_ENDPOINT issues tokens through the app's token service: the login
// saves when its token expires; a command while it has time left asks the endpoint nothing; a command once it
// is near expiry or expired gets a new token from the endpoint (the same identity, the user-assigned one when
// the login named it), saves it and succeeds; outside a job an expired identity login fails saying to sign in
// again. No token reaches the command's output.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../test/support/cli-in-process.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { identityEnv, type JobEndpoint, startJobEndpoint } from '../automation/job-endpoint.js';
import { exitCodeFor } from '../contract/errors.js';

let t: TestApp;
let url: string;
let ep: JobEndpoint;
let account: { id: string; identity: { principalId: string } };
let uami: { id: string; clientId: string; principalId: string };
/** What the endpoint was asked: the client id asked for, or 'system'. */
const asked: string[] = [];

beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const made = async (path: string, body: unknown) => {
    const r = await t.request({ method: 'POST', url: path, token: t.adminToken, body });
    expect(r.statusCode, r.body).toBe(201);
    return r.json();
  };
  uami = await made('/api/v1/user-assigned-identities', { name: 'refresh-uami' });
  account = await made('/api/v1/automation-accounts', {
    name: 'refresh-login',
    identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: [uami.id] },
  });
  for (const principalId of [account.identity.principalId, uami.principalId])
    await made('/api/v1/role-assignments', {
      principalId,
      role: 'Reader',
      scope: `/automationAccounts/${account.id}`,
    });
  ep = await startJobEndpoint({
    readAsset: async () => ({ kind: 'not-found', message: 'none' }),
    // As a cloud job's endpoint does; each call as a new job, so the token service signs a new token.
    identityToken: (job, selector, resource) => {
      asked.push(selector.by === 'system' ? 'system' : selector.value);
      return t.app.tokens.issue(
        { ...job, jobId: `job_${randomBytes(6).toString('hex')}`, worker: 'test' },
        selector,
        resource,
      );
    },
  });
});
afterAll(async () => {
  await ep?.close();
  await t?.close();
});

function inJob() {
  const home = mkdtempSync(join(tmpdir(), 'steward-identity-refresh-'));
  const secret = ep.issueIdentityHeader({ jobId: 'job_refresh', automationAccountId: account.id });
  const env = { HOME: home, STEWARD_URL: url, ...identityEnv(ep, secret) };
  const file = join(home, '.config', 'steward', 'credentials.json');
  return {
    env,
    steward: (args: string[], e: Record<string, string> = env) => runCliInProcess(args, e),
    saved: () => JSON.parse(readFileSync(file, 'utf8')) as { token: string; expiresAt: string },
    /** Moves the saved expiry, as time passing would; with `token`, replaces the token too. */
    age(expiresAt: Date, token?: string) {
      const c = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(
        file,
        JSON.stringify({ ...c, expiresAt: expiresAt.toISOString(), ...(token ? { token } : {}) }),
        {
          mode: 0o600,
        },
      );
    },
  };
}

describe('an identity sign-in inside a job', () => {
  it('saves its expiry and asks the endpoint nothing while its token has time left', async () => {
    const job = inJob();
    const login = await job.steward(['login', '--identity']);
    expect(login.code, login.err).toBe(0);
    const first = job.saved();
    expect(Date.parse(first.expiresAt) - Date.now()).toBeGreaterThan(55 * 60_000);
    const before = asked.length;
    const show = await job.steward(['automation', 'account', 'show', account.id]);
    expect(show.code, show.err).toBe(0);
    expect(asked.length).toBe(before);
    expect(job.saved().token).toBe(first.token);
  });

  it('renews a token near expiry from the endpoint, saves it, and the command succeeds', async () => {
    const job = inJob();
    expect((await job.steward(['login', '--identity'])).code).toBe(0);
    const first = job.saved();
    job.age(new Date(Date.now() + 60_000));
    const before = asked.length;
    const show = await job.steward(['automation', 'account', 'show', account.id]);
    expect(show.code, show.err).toBe(0);
    expect(asked.slice(before)).toEqual(['system']);
    const renewed = job.saved();
    expect(renewed.token).not.toBe(first.token);
    expect(Date.parse(renewed.expiresAt) - Date.now()).toBeGreaterThan(55 * 60_000);
    expect(show.out + show.err).not.toContain(renewed.token);
  });

  it('renews an expired token (which the server refuses) for the same user-assigned identity', async () => {
    const job = inJob();
    expect((await job.steward(['login', '--identity', '--client-id', uami.clientId])).code).toBe(0);
    // A token the server no longer takes, expired an hour ago: without renewal the command is refused.
    job.age(new Date(Date.now() - 3_600_000), 'expired.identity.token');
    const before = asked.length;
    const show = await job.steward(['automation', 'account', 'show', account.id, '--json']);
    expect(show.code, show.err).toBe(0);
    expect(JSON.parse(show.out).id).toBe(account.id);
    expect(asked.slice(before)).toEqual([uami.clientId]);
    const claims = JSON.parse(Buffer.from(job.saved().token.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims.oid).toBe(uami.principalId);
  });

  it('outside a job, an expired identity sign-in fails saying to sign in again', async () => {
    const job = inJob();
    expect((await job.steward(['login', '--identity'])).code).toBe(0);
    job.age(new Date(Date.now() - 60_000));
    const outside = await job.steward(['automation', 'account', 'show', account.id], {
      HOME: job.env.HOME,
      STEWARD_URL: url,
    });
    expect(outside.code).toBe(exitCodeFor('UNAUTHENTICATED'));
    expect(outside.err).toContain('could not be renewed');
    expect(outside.err).toContain('steward login --identity');
  });
});
