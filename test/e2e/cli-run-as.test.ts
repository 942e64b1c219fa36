// Proves the Run As commands of the `steward` CLI end to end against a real listening server: accounts of several
// types whose secrets never appear in any output, distribution (add, remove, set, suggested with and without
// --apply), associations of every scope, explain, findings with --fail-on and their fix commands run verbatim,
// agent config, and exit codes that follow error codes. Each test spawns `node dist/index.js`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, type CliRun, runCliProcess } from '../support/cli-process.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
let url: string;
let scratch: string;

type Run = CliRun;

/** Runs `node dist/index.js …` as a script signed in with a token (administrator unless given), stdin fed and closed. */
function steward(args: string[], opts: { token?: string; input?: string } = {}): Promise<Run> {
  return runCliProcess(
    args,
    {
      HOME: scratch,
      STEWARD_CONFIG_DIR: join(scratch, 'config'),
      STEWARD_URL: url,
      STEWARD_TOKEN: opts.token ?? t.adminToken,
    },
    opts.input,
  );
}

/** Runs a command that must succeed with --json and returns the parsed document. */
async function json(args: string[], input?: string) {
  const r = await steward([...args, '--json'], { input });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

async function api(method: string, path: string, body?: unknown) {
  const res = await t.request({ method, url: path, token: t.adminToken, body });
  if (res.statusCode >= 300) throw new Error(`${method} ${path} → ${res.statusCode} ${res.body}`);
  return res.body ? res.json() : undefined;
}
const computer = async (name: string, extra: Record<string, unknown> = {}) =>
  (await api('POST', '/api/v1/computers', { name, ...extra })).id as string;
const object = async (classId: string, hostId: string, name: string) =>
  (await api('POST', '/api/v1/objects', { classId, hostId, name, properties: {} })).id as string;
const account = async (name: string, type = 'windows') =>
  (
    await api('POST', '/api/v1/accounts', {
      name,
      credential: { type, userName: name, password: `pw-${name}-never-shown` },
    })
  ).id as string;
const approved = async (id: string) =>
  (await api('GET', `/api/v1/accounts/${id}`)).distribution.approved as string[];

const PACK = readFileSync(new URL('../fixtures/packs/test-sql.yaml', import.meta.url), 'utf8');

beforeAll(async () => {
  assertCliBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'steward-cli-run-as-'));
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  await api('POST', '/api/v1/packs', { content: PACK, format: 'yaml' });
  // A second copy for the association tests, so their associations do not change other tests' resolutions.
  await api('POST', '/api/v1/packs', {
    content: PACK.replace(/Test\.SQL/g, 'Assoc.SQL').replace(/Test\.Computer/g, 'Assoc.Computer'),
    format: 'yaml',
  });
});

afterAll(async () => {
  await t?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('steward account create, show, list and update', { timeout: 120_000 }, () => {
  it('creates accounts of several types from stdin and credential files, and no output ever shows a secret', async () => {
    const secrets = {
      windows: 'Windows-Pa55word-0001',
      authKey: 'snmp-auth-key-0002',
      privacyKey: 'snmp-privacy-key-0003',
      token: 'api-token-value-0004',
      binary: 'binary-secret-bytes-0005',
      action: 'Action-Pa55word-0006',
      replaced: 'Windows-Pa55word-0007',
    };
    const runs: Run[] = [];
    const run = async (args: string[], input?: string) => {
      const r = await steward(args, { input });
      runs.push(r);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return r;
    };

    const windows = await run(
      [
        'account',
        'create',
        'web-reader',
        '--type',
        'windows',
        '--user',
        'reader',
        '--domain',
        'CONTOSO',
        '--secret-stdin',
      ],
      `${secrets.windows}\n`,
    );
    expect(windows.stdout).toMatch(/^Created Run As account web-reader \(acct_[a-z0-9]+\), type windows\./);

    const snmp = JSON.parse(
      (
        await run(
          [
            'account',
            'create',
            'snmp-core',
            '--type',
            'snmpv3',
            '--user',
            'monitor',
            '--auth-protocol',
            'sha',
            '--privacy-protocol',
            'aes',
            '--password-stdin',
            '--json',
          ],
          `${secrets.authKey}\n${secrets.privacyKey}\n`,
        )
      ).stdout,
    );
    expect(snmp.publicFields).toEqual({
      userName: 'monitor',
      context: '',
      authProtocol: 'sha',
      privacyProtocol: 'aes',
    });

    const tokenFile = join(scratch, 'token.json');
    writeFileSync(tokenFile, JSON.stringify({ type: 'token', token: secrets.token }));
    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const token = JSON.parse(
      (
        await run([
          'account',
          'create',
          'api-token',
          '--credential-file',
          tokenFile,
          '--expires',
          expires,
          '--description',
          'CI token',
          '--json',
        ])
      ).stdout,
    );
    expect(token).toMatchObject({ type: 'token', description: 'CI token', expiresAt: expires });

    const dataFile = join(scratch, 'blob.bin');
    writeFileSync(dataFile, secrets.binary);
    await run(['account', 'create', 'blob', '--type', 'binary', '--data-file', dataFile]);
    await run(
      ['account', 'create', 'svc-action', '--credential-file', '-'],
      JSON.stringify({ type: 'action', userName: 'svc', domain: 'CONTOSO', password: secrets.action }),
    );

    const shown = await run(['account', 'show', 'web-reader']);
    expect(shown.stdout).toMatch(/^Id:\s+acct_/);
    expect(shown.stdout).toMatch(/User name:\s+reader/);
    expect(shown.stdout).toMatch(/Domain:\s+CONTOSO/);
    expect(shown.stdout).toContain('nowhere yet (more secure, empty approved list)');
    await run(['account', 'show', snmp.id, '--json']);
    const list = await run(['account', 'list']);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+TYPE\s+USER\s+VERSION\s+SECURITY/);
    expect(list.stdout).toContain('CONTOSO\\reader');
    const listed = JSON.parse((await run(['account', 'list', '--json'])).stdout);
    expect(listed.items.map((a: { name: string }) => a.name)).toEqual(
      expect.arrayContaining(['web-reader', 'snmp-core', 'api-token', 'blob', 'svc-action']),
    );

    const updated = await run(
      ['account', 'update', 'web-reader', '--password-stdin'],
      `${secrets.replaced}\n`,
    );
    expect(updated.stdout).toContain('The secret was replaced: it is now version 2.');
    const after = await api('GET', '/api/v1/accounts');
    expect(after.items.find((a: { name: string }) => a.name === 'web-reader').publicFields).toEqual({
      userName: 'reader',
      domain: 'CONTOSO',
    });

    const everything = runs.map((r) => r.stdout + r.stderr).join('\n');
    for (const secret of [...Object.values(secrets), Buffer.from(secrets.binary).toString('base64')])
      expect(everything).not.toContain(secret);
  });

  it('refuses a missing secret on a non-terminal with exit 2, naming the flag to use, and creates nothing', async () => {
    const r = await steward(['account', 'create', 'no-secret', '--type', 'basic', '--user', 'u']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--secret-stdin');
    const { items } = await api('GET', '/api/v1/accounts');
    expect(items.some((a: { name: string }) => a.name === 'no-secret')).toBe(false);
  });
});

describe('steward account distribute', { timeout: 120_000 }, () => {
  it('adds by computer name and id, removes and replaces the list', async () => {
    const a = await computer('dist-a.test');
    const b = await computer('dist-b.test');
    const id = await account('dist-acc');
    const add = await steward(['account', 'distribute', 'dist-acc', '--add', `dist-a.test,${b}`]);
    expect(add.code).toBe(0);
    expect(add.stdout).toContain(`Distributed to: ${[a, b].sort().join(', ')}`);
    expect(await approved(id)).toEqual([a, b].sort());

    expect((await steward(['account', 'distribute', id, '--remove', b])).code).toBe(0);
    expect(await approved(id)).toEqual([a]);

    const set = await json(['account', 'distribute', id, '--set', b]);
    expect(set.distribution).toEqual({ security: 'more-secure', approved: [b] });
  });

  it('lists suggestions without changing anything, and approves them only with --apply (R12)', async () => {
    const h = await computer('sugg-h.test');
    const x = await object('Assoc.SQL.Instance', h, 'SUGG');
    const id = await account('sugg-acc');
    await api('POST', '/api/v1/profiles/Assoc.SQL.Profile/associations', {
      accountId: id,
      scope: { kind: 'object', objectId: x },
    });
    const listed = await steward(['account', 'distribute', 'sugg-acc', '--suggested']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`  ${h}`);
    expect(listed.stdout).toContain('Nothing was changed.');
    expect(await approved(id)).toEqual([]);

    const applied = await steward(['account', 'distribute', 'sugg-acc', '--suggested', '--apply']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`Approved 1 suggested target(s) for sugg-acc (${id}): ${h}.`);
    expect(await approved(id)).toEqual([h]);
  });

  it('exits 7 when an action account is made less secure, 5 for an unknown account, 2 for mixed modes', async () => {
    const id = (
      await api('POST', '/api/v1/accounts', {
        name: 'dist-action',
        credential: { type: 'action', userName: 'svc', password: 'action-pw-never-shown' },
      })
    ).id;
    const less = await steward(['account', 'distribute', id, '--security', 'less-secure']);
    expect(less.code).toBe(7);
    expect(less.stderr).toMatch(/^error RULE_VIOLATION: .*action account/);
    expect((await api('GET', `/api/v1/accounts/${id}`)).distribution.security).toBe('more-secure');

    const unknown = await steward(['account', 'distribute', 'no-such-account', '--add', 'cmp_x']);
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toContain("error NOT_FOUND: Run As account 'no-such-account' was not found.");
    expect((await steward(['account', 'show', 'acct_doesnotexist'])).code).toBe(5);

    const mixed = await steward(['account', 'distribute', id, '--add', 'cmp_x', '--set', 'cmp_y']);
    expect(mixed.code).toBe(2);
  });
});

describe('steward profile associate, associations, enforce and unassociate', { timeout: 120_000 }, () => {
  it('associates with each scope, lists them readably, enforces and removes one', async () => {
    const h = await computer('assoc-h.test');
    const x = await object('Assoc.SQL.Instance', h, 'ASSOC');
    await api('POST', '/api/v1/groups', { id: 'Assoc.Group', members: [h] });
    const acc = await account('assoc-acc');
    const profile = 'Assoc.SQL.Profile';

    const all = await json(['profile', 'associate', profile, '--account', 'assoc-acc']);
    expect(all).toMatchObject({ accountId: acc, scope: { kind: 'all' }, enforced: false });
    const byClass = await json([
      'profile',
      'associate',
      profile,
      '--account',
      acc,
      '--class',
      'Assoc.SQL.Instance',
    ]);
    expect(byClass.scope).toEqual({ kind: 'class', classId: 'Assoc.SQL.Instance' });
    const byObject = await steward(['profile', 'associate', profile, '--account', acc, '--object', x]);
    expect(byObject.code).toBe(0);
    expect(byObject.stdout).toMatch(
      new RegExp(`^Associated ${acc} with ${profile} for object ${x} \\(not enforced\\): asc_`),
    );
    const byGroup = await json([
      'profile',
      'associate',
      profile,
      '--account',
      acc,
      '--group',
      'Assoc.Group',
      '--enforced',
    ]);
    expect(byGroup).toMatchObject({ scope: { kind: 'group', groupId: 'Assoc.Group' }, enforced: true });

    const both = await steward([
      'profile',
      'associate',
      profile,
      '--account',
      acc,
      '--class',
      'A',
      '--group',
      'B',
    ]);
    expect(both.code).toBe(2);

    const table = await steward(['profile', 'associations', profile]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+ACCOUNT\s+SCOPE\s+ENFORCED\s+CREATED/);
    for (const text of [
      'all targeted objects',
      'class Assoc.SQL.Instance',
      `object ${x}`,
      'group Assoc.Group',
    ])
      expect(table.stdout).toContain(text);
    expect(table.stdout).toContain(`assoc-acc (${acc})`);

    const off = await steward(['profile', 'enforce', byGroup.id, '--off']);
    expect(off.stdout).toContain(`Association ${byGroup.id} of ${profile} is now not enforced.`);
    expect((await steward(['profile', 'unassociate', all.id])).code).toBe(0);
    const left = (await api('GET', `/api/v1/profiles/${profile}/associations`)).items as {
      id: string;
      enforced: boolean;
    }[];
    expect(left.map((a) => a.id)).not.toContain(all.id);
    expect(left.find((a) => a.id === byGroup.id)?.enforced).toBe(false);
    expect((await steward(['profile', 'unassociate', all.id])).code).toBe(5);
  });
});

describe('steward explain', { timeout: 120_000 }, () => {
  it('prints the resolution in one line, the host chain, numbered reasons and the candidates', async () => {
    const h1 = await computer('explain-1.test');
    const h2 = await computer('explain-2.test');
    const ok = await object('Test.SQL.Instance', h1, 'EXPLAIN-OK');
    const missing = await object('Test.SQL.Instance', h2, 'EXPLAIN-MISSING');
    const acc = await account('explain-acc');
    await api('PUT', `/api/v1/accounts/${acc}/distribution`, { security: 'more-secure', approved: [h1] });
    const asc = (
      await api('POST', '/api/v1/profiles/Test.SQL.Profile/associations', {
        accountId: acc,
        scope: { kind: 'object', objectId: ok },
      })
    ).id;
    await api('POST', '/api/v1/profiles/Test.SQL.Profile/associations', {
      accountId: acc,
      scope: { kind: 'object', objectId: missing },
    });

    const runs = await steward(['explain', '--workflow', 'Test.SQL.Monitor', '--object', ok]);
    expect(runs.code).toBe(0);
    const lines = runs.stdout.split('\n');
    expect(lines[0]).toBe(`Runs as account explain-acc (${acc}) — association ${asc} (object scope)`);
    expect(runs.stdout).toMatch(new RegExp(`Host chain:\\s+${ok} ← ${h1}`));
    expect(runs.stdout).toContain('Reasons:\n  1. Workflow Test.SQL.Monitor targets Test.SQL.Instance');
    expect(runs.stdout).toMatch(/ {2}\d\. .* wins because it is the only match\./);
    expect(runs.stdout).toMatch(/ASSOCIATION\s+ACCOUNT\s+SCOPE\s+ENFORCED\s+WINNER/);

    const notRun = await steward(['explain', '--profile', 'Test.SQL.Profile', '--object', missing]);
    expect(notRun.stdout.split('\n')[0]).toMatch(
      new RegExp(`^NOT RUN: account explain-acc \\(${acc}\\) is not distributed to ${h2} — association asc_`),
    );
    expect(notRun.stdout).toContain('no fallback to the action account');

    const plain = await steward(['explain', '--workflow', 'Test.SQL.Plain', '--object', ok]);
    expect(plain.stdout.split('\n')[0]).toBe(`Runs as the default action account of ${h1}`);

    const doc = await json(['explain', '--workflow', 'Test.SQL.Monitor', '--object', ok]);
    expect(doc).toMatchObject({ resolution: { kind: 'account', accountId: acc, associationId: asc } });

    const neither = await steward(['explain', '--object', ok]);
    expect(neither.code).toBe(2);
  });
});

describe('steward findings', { timeout: 120_000 }, () => {
  it('lists findings with exit 0, fails only with --fail-on, and its fix commands work verbatim', async () => {
    const used = await computer('find-used.test');
    const extra = await computer('find-extra.test');
    const x = await object('Test.SQL.Instance', used, 'FIND');
    const acc = await account('find-acc');
    await api('PUT', `/api/v1/accounts/${acc}/distribution`, { security: 'more-secure', approved: [extra] });
    await api('POST', '/api/v1/profiles/Test.SQL.Profile/associations', {
      accountId: acc,
      scope: { kind: 'object', objectId: x },
    });

    const table = await steward(['findings']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^SEVERITY\s+KIND\s+MESSAGE\s+FIX/);
    expect(table.stdout).toContain(`steward account distribute ${acc} --add ${used}`);
    expect(table.stdout).toContain(`steward account distribute ${acc} --remove ${extra}`);

    const failing = await steward(['findings', '--fail-on', 'critical']);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(/^error FINDINGS: \d+ finding\(s\) at severity critical or worse\./);
    const informational = await steward(['findings', '--severity', 'information', '--fail-on', 'critical']);
    expect(informational.code).toBe(0);

    const mine = (await json(['findings'])).items.filter(
      (f: { subject: { accountId?: string } }) => f.subject.accountId === acc,
    ) as { kind: string; fix: string }[];
    expect(mine.map((f) => f.kind).sort()).toEqual(['not-distributed', 'over-distributed']);
    for (const f of mine) {
      const r = await steward(f.fix.replace(/^steward /, '').split(' '));
      expect(r.code).toBe(0);
    }
    expect(await approved(acc)).toEqual([used]);
    const after = (await json(['findings'])).items.filter(
      (f: { subject: { accountId?: string } }) => f.subject.accountId === acc,
    );
    expect(after).toEqual([]);
  });
});

describe('steward agent config', { timeout: 120_000 }, () => {
  it('prints the tag, default action account, accounts with versions and what runs as which', async () => {
    const action = (
      await api('POST', '/api/v1/accounts', {
        name: 'agent-action',
        credential: { type: 'action', userName: 'svc', password: 'agent-action-pw-never-shown' },
      })
    ).id;
    const h = await computer('agent-cfg.test', { defaultActionAccountId: action });
    const x = await object('Test.SQL.Instance', h, 'AGENT');
    const acc = await account('agent-acc');
    await api('PUT', `/api/v1/accounts/${acc}/distribution`, { security: 'more-secure', approved: [h] });
    const asc = (
      await api('POST', '/api/v1/profiles/Test.SQL.Profile/associations', {
        accountId: acc,
        scope: { kind: 'object', objectId: x },
      })
    ).id;

    const r = await steward(['agent', 'config', 'agent-cfg.test']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Health service:\\s+${h}\\n`));
    expect(r.stdout).toMatch(/Tag:\s+\S+/);
    expect(r.stdout).toMatch(new RegExp(`Default action account:\\s+agent-action \\(${action}\\)`));
    expect(r.stdout).toMatch(new RegExp(`${acc}\\s+agent-acc\\s+1`));
    expect(r.stdout).toMatch(new RegExp(`Test\\.SQL\\.Monitor\\s+${x}\\s+agent-acc \\(${acc}\\) via ${asc}`));
    expect(r.stdout).toMatch(new RegExp(`Test\\.SQL\\.Plain\\s+${x}\\s+default action account`));
    expect(r.stdout).not.toContain('pw-agent-acc-never-shown');

    const doc = await json(['agent', 'config', h]);
    expect(doc.healthServiceId).toBe(h);
    expect(doc.accounts).toContainEqual({ id: acc, version: 1 });
    expect((await steward(['agent', 'config', 'no-such-computer'])).code).toBe(5);
  });
});

describe('permissions and help', { timeout: 120_000 }, () => {
  it('exits 4 with FORBIDDEN for an operator', async () => {
    const r = await steward(['account', 'list'], { token: await t.tokenFor('operator') });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('error FORBIDDEN:');
  });

  it.each([
    ['account create --help', 'Secrets are never read from the command line'],
    ['account distribute --help', '--suggested --apply'],
    ['findings --help', 'Exits 0 even when there are findings'],
    ['explain --help', 'steward explain --workflow'],
  ])('steward %s exits 0 and describes the command', async (args, text) => {
    const r = await steward(args.split(' '));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(text);
  });
});
