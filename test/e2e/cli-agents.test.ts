// Proves the agent administration commands of the `steward` CLI end to end against a real listening server: an
// enrollment token is shown once with the command that starts the agent and admits one agent once, agents are
// listed with their fingerprints, a token-less enrollment is approved and revoked by name or id, and exit codes
// follow error codes. Each test spawns `node dist/index.js`.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPublicKey, generateAgentKeys, keyFingerprint } from '../../src/crypto/agent-keys.js';
import { assertCliBuilt, type CliRun, runCliProcess } from '../support/cli-process.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
let url: string;
let scratch: string;

/** Runs `node dist/index.js …` as a script signed in with a token (administrator unless given). */
function steward(args: string[], opts: { token?: string } = {}): Promise<CliRun> {
  return runCliProcess(args, {
    HOME: scratch,
    STEWARD_CONFIG_DIR: join(scratch, 'config'),
    STEWARD_URL: url,
    STEWARD_TOKEN: opts.token ?? t.adminToken,
  });
}

/** Runs a command that must succeed with --json and returns the parsed document. */
async function json(args: string[]) {
  const r = await steward([...args, '--json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

/** Enrolls a fresh key pair as an agent would, with or without a token; returns the response and fingerprint. */
async function enroll(computerName: string, token?: string) {
  const keys = generateAgentKeys();
  const signingPublicKey = exportPublicKey(keys.signing.publicKey);
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/agent/enroll',
    body: {
      computerName,
      signingPublicKey,
      sealingPublicKey: exportPublicKey(keys.sealing.publicKey),
      ...(token ? { token } : {}),
    },
  });
  return { res, fingerprint: keyFingerprint(signingPublicKey) };
}

async function agents(status?: string) {
  const res = await t.request({
    method: 'GET',
    url: `/api/v1/agents${status ? `?status=${status}` : ''}`,
    token: t.adminToken,
  });
  expect(res.statusCode).toBe(200);
  return res.json().items as { id: string; computerName: string; status: string }[];
}

beforeAll(async () => {
  assertCliBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'steward-cli-agents-'));
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await t?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('steward agent token create', { timeout: 120_000 }, () => {
  it('prints the token once inside the command that starts the agent, and the token admits one agent once', async () => {
    const r = await steward(['agent', 'token', 'create', 'token-a.test', '--expires-in', '30']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^Enrollment token enr_[0-9a-f]+ for token-a\.test expires \S+\. It is shown only this once/,
    );
    const token = /--token (stw_enroll_[A-Za-z0-9_-]+)$/m.exec(r.stdout)?.[1];
    expect(token).toBeDefined();
    expect(r.stdout).toBe(
      `Start the agent on token-a.test with:\n  steward agent --server ${url} --token ${token}\n`,
    );
    expect((r.stdout + r.stderr).split(token!).length - 1).toBe(1);

    const first = await enroll('token-a.test', token);
    expect(first.res.statusCode).toBe(201);
    expect(first.res.json()).toMatchObject({ status: 'approved' });
    const again = await enroll('token-a.test', token);
    expect(again.res.statusCode).toBe(401);
  });

  it('gives the token, its expiry and the start command in --json, and refuses a bad lifetime with exit 2', async () => {
    const before = Date.now();
    const doc = await json(['agent', 'token', 'create', 'token-b.test', '--expires-in', '15']);
    expect(doc).toMatchObject({ computerName: 'token-b.test', computerId: null });
    expect(doc.token).toMatch(/^stw_enroll_/);
    expect(doc.startCommand).toBe(`steward agent --server ${url} --token ${doc.token}`);
    const expires = Date.parse(doc.expiresAt) - before;
    expect(expires).toBeGreaterThan(14 * 60_000);
    expect(expires).toBeLessThanOrEqual(16 * 60_000);

    const tooLong = await steward(['agent', 'token', 'create', 'token-b.test', '--expires-in', '100000']);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain('--expires-in');
    const badName = await steward(['agent', 'token', 'create', 'bad name!']);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('body.computerName');
  });
});

describe('steward agent token list and revoke', { timeout: 120_000 }, () => {
  it('lists tokens without the token itself, and revokes an unused one so it admits nothing', async () => {
    const made = await json(['agent', 'token', 'create', 'token-c.test']);
    const table = await steward(['agent', 'token', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+COMPUTER\s+STATE\s+EXPIRES\s+USED\s+CREATED BY\n/);
    expect(table.stdout).toMatch(new RegExp(`^${made.id}\\s+token-c\\.test\\s+unused\\s`, 'm'));
    expect(table.stdout).not.toContain(made.token);

    const revoked = await steward(['agent', 'token', 'revoke', made.id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Enrollment token ${made.id} revoked.`);
    const listed = await json(['agent', 'token', 'list']);
    expect(listed.items.some((t: { id: string }) => t.id === made.id)).toBe(false);
    expect((await enroll('token-c.test', made.token)).res.statusCode).toBe(401);
    const again = await steward(['agent', 'token', 'revoke', made.id]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('was not found');
  });
});

describe('steward agent list, approve and revoke', { timeout: 120_000 }, () => {
  it('lists an approved agent with its computer, status and key fingerprint, and filters by status', async () => {
    const { token } = await json(['agent', 'token', 'create', 'list-a.test']);
    const { res, fingerprint } = await enroll('list-a.test', token);
    const id = res.json().agentId as string;

    const table = await steward(['agent', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /^ID\s+COMPUTER\s+STATUS\s+AVAILABLE\s+ENROLLED\s+LAST SEEN\s+KEY FINGERPRINT\n/,
    );
    expect(table.stdout).toMatch(
      new RegExp(`^${id}\\s+list-a\\.test\\s+approved\\s+no\\s+\\S+Z\\s+-\\s+${fingerprint}$`, 'm'),
    );
    expect(table.stdout).not.toContain(token);

    const approved = await json(['agent', 'list', '--status', 'approved']);
    expect(approved.items).toContainEqual(
      expect.objectContaining({ id, computerName: 'list-a.test', signingKeyFingerprint: fingerprint }),
    );
    const pending = await json(['agent', 'list', '--status', 'pending']);
    expect(pending.items.map((a: { id: string }) => a.id)).not.toContain(id);
    expect((await steward(['agent', 'list', '--status', 'lost'])).code).toBe(2);
  });

  it('shows a token-less enrollment as pending, approves it by name printing its fingerprint, then revokes it by id', async () => {
    const { res, fingerprint } = await enroll('pending-a.test');
    expect(res.statusCode).toBe(201);
    const id = res.json().agentId as string;

    const pending = await steward(['agent', 'list', '--status', 'pending']);
    expect(pending.stdout).toMatch(
      new RegExp(`^${id}\\s+pending-a\\.test\\s+pending\\s+.*${fingerprint}$`, 'm'),
    );

    const approve = await steward(['agent', 'approve', 'pending-a.test']);
    expect(approve.code).toBe(0);
    expect(approve.stdout).toBe(`Approved agent pending-a.test (${id}).\nKey fingerprint: ${fingerprint}\n`);
    expect((await agents('approved')).map((a) => a.id)).toContain(id);
    const twice = await steward(['agent', 'approve', id]);
    expect(twice.code).toBe(6);
    expect(twice.stderr).toContain("error CONFLICT: Agent 'pending-a.test' is already approved.");

    const revoke = await steward(['agent', 'revoke', id]);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toBe(`Revoked agent pending-a.test (${id}).\n`);
    expect((await agents()).find((a) => a.id === id)?.status).toBe('revoked');
    expect((await steward(['agent', 'revoke', 'pending-a.test'])).code).toBe(6);
  });

  it('revokes a pending request with --json, and exits 5 for an unknown agent', async () => {
    const { res } = await enroll('pending-b.test');
    const id = res.json().agentId as string;
    const doc = await json(['agent', 'revoke', 'pending-b.test']);
    expect(doc).toMatchObject({ id, computerName: 'pending-b.test', status: 'revoked' });
    expect((await steward(['agent', 'approve', 'pending-b.test'])).code).toBe(6);

    const unknown = await steward(['agent', 'approve', 'no-such-agent.test']);
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toMatch(/^error NOT_FOUND: /);
    expect((await steward(['agent', 'revoke', 'cmp_doesnotexist'])).code).toBe(5);
  });
});

describe('permissions and help', { timeout: 120_000 }, () => {
  it('exits 4 with FORBIDDEN for an operator, and makes no token', async () => {
    const operator = await t.tokenFor('operator');
    const create = await steward(['agent', 'token', 'create', 'forbidden.test'], { token: operator });
    expect(create.code).toBe(4);
    expect(create.stderr).toContain('error FORBIDDEN:');
    expect(create.stdout).toBe('');
    for (const args of [
      ['agent', 'list'],
      ['agent', 'approve', 'x'],
      ['agent', 'revoke', 'x'],
    ])
      expect((await steward(args, { token: operator })).code).toBe(4);
  });

  it('exits 3 when not signed in', async () => {
    const r = await runCliProcess(['agent', 'list'], {
      HOME: scratch,
      STEWARD_CONFIG_DIR: join(scratch, 'nobody'),
      STEWARD_URL: url,
    });
    expect(r.code).toBe(3);
  });

  it.each([
    ['agent token create --help', 'steward agent token create sql01.contoso.com'],
    ['agent list --help', 'steward agent list --status pending'],
    ['agent approve --help', 'key fingerprint'],
    ['agent revoke --help', 'steward agent revoke sql01.contoso.com'],
    ['agent --help', 'approve'],
  ])('steward %s exits 0 and describes the command', async (args, text) => {
    const r = await steward(args.split(' '));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(text);
  });
});
