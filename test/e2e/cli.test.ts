// Proves the `steward` CLI end to end against a real listening server: login and the credentials file,
// tables and --json, exit codes that follow error codes, --help, inventory and packs, audit filters and tamper detection.
// Each test spawns `node dist/index.js`, so the slow ones get a longer timeout.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, type CliRun, runCliProcess } from '../support/cli-process.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const ONE_TIME = 'one-time password 0001';
const CHOSEN = 'my own password 0002';

let t: TestApp;
let url: string;
let scratch: string;
let dirs = 0;

type Run = CliRun;

/** Runs `node dist/index.js …` with only the environment given (plus PATH), stdin fed and closed. */
function steward(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  return runCliProcess(args, { HOME: scratch, STEWARD_CONFIG_DIR: newConfigDir(), ...opts.env }, opts.input);
}

const newConfigDir = () => join(scratch, `config-${++dirs}`);
/** Environment for a script signed in with a token: no credentials file needed. */
const withToken = (token: string) => ({ STEWARD_URL: url, STEWARD_TOKEN: token });
const asAdmin = () => withToken(t.adminToken);

async function createUser(username: string, role: string): Promise<string> {
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/users',
    token: t.adminToken,
    body: { username, role, password: ONE_TIME },
  });
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
}

beforeAll(async () => {
  assertCliBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'steward-cli-'));
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await t?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('steward login, whoami and logout', { timeout: 120_000 }, () => {
  it('signs in with a one-time password from stdin, sets the new one, and keeps only a token in a 0600 file', async () => {
    await createUser('dana', 'administrator');
    const configDir = newConfigDir();
    const env = { STEWARD_CONFIG_DIR: configDir };
    const login = await steward(['login', '--url', url, '--username', 'dana', '--password-stdin'], {
      env,
      input: `${ONE_TIME}\n${CHOSEN}\n`,
    });
    expect(login.stderr).toContain('one-time password');
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`Signed in to ${url} as dana (Administrator).`);

    const file = join(configDir, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(configDir).mode & 0o777).toBe(0o700);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(ONE_TIME);
    expect(text).not.toContain(CHOSEN);
    const creds = JSON.parse(text);
    expect(creds).toMatchObject({ url, username: 'dana', token: expect.stringMatching(/^stw_/) });
    expect(login.stdout).not.toContain(creds.token);

    const whoami = await steward(['whoami'], { env });
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toContain('dana');
    expect(whoami.stdout).toContain('Administrator');

    // The new password is the one that works now.
    const again = await steward(['login', '--url', url, '-u', 'dana', '--password-stdin'], {
      env: { STEWARD_CONFIG_DIR: newConfigDir() },
      input: `${CHOSEN}\n`,
    });
    expect(again.code).toBe(0);
  });

  it('revokes the token on logout and deletes the credentials file', async () => {
    await createUser('logan', 'operator');
    const configDir = newConfigDir();
    const env = { STEWARD_CONFIG_DIR: configDir };
    expect(
      (
        await steward(['login', '--url', url, '-u', 'logan', '--password-stdin'], {
          env,
          input: `${ONE_TIME}\n${CHOSEN}\n`,
        })
      ).code,
    ).toBe(0);
    const { token } = JSON.parse(readFileSync(join(configDir, 'credentials.json'), 'utf8'));
    const logout = await steward(['logout'], { env });
    expect(logout.code).toBe(0);
    expect(logout.stdout).toContain('the token is revoked');
    expect(existsSync(join(configDir, 'credentials.json'))).toBe(false);
    expect((await t.request({ method: 'GET', url: '/api/v1/me', token })).statusCode).toBe(401);
    expect((await steward(['whoami'], { env })).code).toBe(3);
  });

  it('refuses, with exit code 2 and the flag to use, when stdin is not a terminal and the password is missing', async () => {
    const r = await steward(['login', '--url', url, '--username', 'dana']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--password-stdin');
  });

  it('refuses a one-time password without a new one, and revokes the token it was issued', async () => {
    await createUser('nina', 'operator');
    const configDir = newConfigDir();
    const r = await steward(['login', '--url', url, '-u', 'nina', '--password-stdin'], {
      env: { STEWARD_CONFIG_DIR: configDir },
      input: `${ONE_TIME}\n`,
    });
    expect(r.code).toBe(2);
    expect(existsSync(join(configDir, 'credentials.json'))).toBe(false);
    const tokens = await t.request({ method: 'GET', url: '/api/v1/tokens?all=true', token: t.adminToken });
    const userId = (await t.request({ method: 'GET', url: '/api/v1/users', token: t.adminToken }))
      .json()
      .items.find((u: { username: string }) => u.username === 'nina').id;
    const ninas = tokens.json().items.filter((k: { userId: string }) => k.userId === userId);
    expect(ninas.length).toBeGreaterThan(0);
    expect(ninas.every((k: { revokedAt: string | null }) => k.revokedAt !== null)).toBe(true);
  });

  it('exits 3 with UNAUTHENTICATED for a wrong password', async () => {
    const r = await steward(['login', '--url', url, '-u', 'dana', '--password-stdin'], {
      input: 'wrong password\n',
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error UNAUTHENTICATED: /);
  });
});

describe('users in tables and JSON', { timeout: 120_000 }, () => {
  it('creates a user and lists it in a table and as JSON', async () => {
    const created = await steward(['user', 'create', 'erin', '--role', 'operator', '--password-stdin'], {
      env: asAdmin(),
      input: `${ONE_TIME}\n`,
    });
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Created user erin \(usr_[a-z0-9]+\)/);

    const table = await steward(['user', 'list'], { env: asAdmin() });
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+USERNAME\s+DISPLAY NAME\s+ROLE/);
    expect(lines.some((l) => /\berin\b.*\boperator\b/.test(l))).toBe(true);

    const json = await steward(['user', 'list', '--json'], { env: asAdmin() });
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc.items.find((u: { username: string }) => u.username === 'erin')).toMatchObject({
      role: 'operator',
      mustChangePassword: true,
    });
    expect(json.stdout).not.toContain(ONE_TIME);
  });

  it('shows a user by name, and exits 5 with NOT_FOUND for one that does not exist', async () => {
    await createUser('frank', 'author');
    const shown = await steward(['user', 'show', 'frank', '--json'], { env: asAdmin() });
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ username: 'frank', role: 'author' });

    const missing = await steward(['user', 'show', 'usr_doesnotexist'], { env: asAdmin() });
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('error NOT_FOUND:');
  });

  it('prints the validation issue and exits 2 when the server refuses the input', async () => {
    const r = await steward(['user', 'create', 'Bad Name', '--role', 'operator', '--password-stdin'], {
      env: asAdmin(),
      input: `${ONE_TIME}\n`,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error VALIDATION_FAILED: /);
    expect(r.stderr).toContain('body.username');
  });
});

describe('exit codes follow the error code', () => {
  it('exits 3 when nobody is signed in, or the token is not valid', async () => {
    const none = await steward(['user', 'list']);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('steward login');
    const bad = await steward(['user', 'list'], { env: withToken('stw_notarealtoken') });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('error UNAUTHENTICATED:');
  });

  it('exits 4 with FORBIDDEN when the role may not do it', async () => {
    const r = await steward(['user', 'list'], { env: withToken(await t.tokenFor('operator')) });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('error FORBIDDEN:');
  });

  it('exits 2 for an unknown flag, a missing argument or a bad value', async () => {
    expect((await steward(['user', 'list', '--bogus'], { env: asAdmin() })).code).toBe(2);
    expect((await steward(['user', 'create', 'gina'], { env: asAdmin() })).code).toBe(2);
    const since = await steward(['audit', 'list', '--since', 'yesterday'], { env: asAdmin() });
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since');
  });

  it('exits 8 with UNAVAILABLE, naming the URL, when the server cannot be reached', async () => {
    const r = await steward(['whoami'], {
      env: { STEWARD_URL: 'http://127.0.0.1:9', STEWARD_TOKEN: 'stw_x' },
    });
    expect(r.code).toBe(8);
    expect(r.stderr).toContain('error UNAVAILABLE:');
    expect(r.stderr).toContain('http://127.0.0.1:9');
  });
});

describe('--help', () => {
  it.each([
    ['--help', 'Run As accounts, profiles and credential distribution'],
    ['login --help', 'Sign in to a Steward server'],
    ['user create --help', 'Create a user'],
    ['audit list --help', 'List audit records'],
    ['admin rotate-root-key --help', 'safe to interrupt and run again'],
    ['pack import --help', 'Import a pack file'],
    ['group create --help', 'dynamic membership rule'],
  ])('steward %s exits 0 and describes the command', async (args, text) => {
    const r = await steward(args.split(' '));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(text);
  });
});

describe('API tokens', () => {
  it('prints a new token once, warns that it is shown once, and the token works for scripts', async () => {
    const created = await steward(['token', 'create', 'ci', '--expires-in-days', '2'], { env: asAdmin() });
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^stw_\S+$/);
    expect(created.stderr).toContain('shown only this once');
    const whoami = await steward(['whoami', '--json'], { env: withToken(token) });
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout).role).toBe('administrator');
    const list = await steward(['token', 'list'], { env: asAdmin() });
    expect(list.stdout).toContain('ci');
    expect(list.stdout).not.toContain(token);
  });
});

describe('inventory and packs', { timeout: 120_000 }, () => {
  const json = async (args: string[]) => {
    const r = await steward([...args, '--json'], { env: asAdmin() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  };

  it('creates a class, a computer and an object with typed properties, then a group that finds it by rule', async () => {
    const cls = await steward(
      [
        'class',
        'create',
        'Cli.SQL.Instance',
        '--hosted',
        '--property',
        'InstanceName:string',
        '--property',
        'Port:int',
        '--property',
        'Production:bool',
        '--key',
        'InstanceName',
      ],
      { env: asAdmin() },
    );
    expect(cls.code).toBe(0);
    expect(cls.stdout).toContain('Created class Cli.SQL.Instance');

    const computer = await json(['computer', 'create', 'sql01.cli.test', '--display-name', 'SQL 01']);
    const object = await json([
      'object',
      'create',
      '--class',
      'Cli.SQL.Instance',
      '--host',
      computer.id,
      '--property',
      'InstanceName=MSSQLSERVER',
      '--property',
      'Port=1433',
      '--property',
      'Production=yes',
    ]);
    expect(object.properties).toEqual({ InstanceName: 'MSSQLSERVER', Port: 1433, Production: true });

    const badType = await steward(
      [
        'object',
        'create',
        '--class',
        'Cli.SQL.Instance',
        '--host',
        computer.id,
        '--property',
        'InstanceName=B',
        '--property',
        'Port=many',
      ],
      { env: asAdmin() },
    );
    expect(badType.code).toBe(2);
    expect(badType.stderr).toContain('Port');

    const listed = await steward(['object', 'list', '--computer', computer.id], { env: asAdmin() });
    expect(listed.stdout).toMatch(/^ID\s+CLASS\s+NAME/);
    expect(listed.stdout).toContain(object.id);
    const ids = async (args: string[]) => (await json(args)).items.map((o: { id: string }) => o.id);
    expect(await ids(['object', 'list', '--search', object.name.slice(2).toLowerCase()])).toContain(
      object.id,
    );
    expect(await ids(['object', 'list', '--search', 'no-object-is-named-this'])).toEqual([]);

    await json(['object', 'update', object.id, '--property', 'Port=1434']);
    const shown = await json(['object', 'show', object.id]);
    expect(shown.properties).toEqual({ InstanceName: 'MSSQLSERVER', Port: 1434, Production: true });
    expect(shown.topHost).toBe(computer.id);

    await json([
      'group',
      'create',
      'Cli.SQL.Production',
      '--rule',
      'Cli.SQL.Instance;Port>1000;InstanceName~MSSQL*',
    ]);
    const members = await json(['group', 'members', 'Cli.SQL.Production']);
    expect(members.items).toContainEqual(expect.objectContaining({ objectId: object.id, via: 'rule' }));

    const refused = await steward(['computer', 'delete', computer.id], { env: asAdmin() });
    expect(refused.code).not.toBe(0);
    const deleted = await json(['computer', 'delete', computer.id, '--cascade']);
    expect(deleted.deleted).toEqual(expect.arrayContaining([computer.id, object.id]));
    expect((await steward(['object', 'show', object.id], { env: asAdmin() })).code).toBe(5);
  });

  it('imports a SCOM management pack, lists what it skipped, exports it unchanged and deletes it', async () => {
    const file = resolve(import.meta.dirname, '../fixtures/packs/contoso-sql.xml');
    const imported = await steward(['pack', 'import', file], { env: asAdmin() });
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/^Imported pack Contoso\.SQL /);
    expect(imported.stdout).toContain('Skipped');
    expect(imported.stdout).toContain("Rule[@ID='Contoso.SQL.CollectConnections']");

    const list = await steward(['pack', 'list'], { env: asAdmin() });
    expect(list.stdout).toContain('Contoso.SQL');
    const profiles = await json(['profile', 'list', '--pack', 'Contoso.SQL']);
    expect(profiles.items.length).toBeGreaterThan(0);

    const out = join(scratch, 'exported.xml');
    expect((await steward(['pack', 'export', 'Contoso.SQL', '--out', out], { env: asAdmin() })).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(file, 'utf8'));

    const again = await steward(['pack', 'import', file], { env: asAdmin() });
    expect(again.stdout).toContain('nothing changed');

    const del = await steward(['pack', 'delete', 'Contoso.SQL'], { env: asAdmin() });
    expect(del.code).toBe(0);
    expect((await steward(['pack', 'show', 'Contoso.SQL'], { env: asAdmin() })).code).toBe(5);
  });

  it('refuses a pack write to a role without packs.write (exit 4) and an unreadable file (exit 2)', async () => {
    const file = resolve(import.meta.dirname, '../fixtures/packs/contoso-sql.xml');
    const r = await steward(['pack', 'import', file], { env: withToken(await t.tokenFor('author')) });
    expect(r.code).toBe(4);
    const missing = await steward(['pack', 'import', join(scratch, 'nope.yaml')], { env: asAdmin() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.yaml');
  });
});

describe('steward audit', { timeout: 120_000 }, () => {
  it('filters by kind, actor and time', async () => {
    await createUser('hana', 'operator');
    const byKind = await steward(['audit', 'list', '--kind', 'user.create', '--all', '--json'], {
      env: asAdmin(),
    });
    expect(byKind.code).toBe(0);
    const items = JSON.parse(byKind.stdout).items as { kind: string; details: { username?: string } }[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((r) => r.kind === 'user.create')).toBe(true);
    expect(items.some((r) => r.details.username === 'hana')).toBe(true);

    const prefix = await steward(['audit', 'list', '--kind', 'user.*', '--json'], { env: asAdmin() });
    expect(JSON.parse(prefix.stdout).items.every((r: { kind: string }) => r.kind.startsWith('user.'))).toBe(
      true,
    );

    const byActor = await steward(['audit', 'list', '--actor', 'system', '--json'], { env: asAdmin() });
    expect(JSON.parse(byActor.stdout).items.every((r: { actor: string }) => r.actor === 'system')).toBe(true);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await steward(['audit', 'list', '--since', future], { env: asAdmin() });
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('No audit records match.');

    const recent = await steward(['audit', 'list', '--since', '1h', '--kind', 'user.create'], {
      env: asAdmin(),
    });
    expect(recent.stdout).toMatch(/^SEQ\s+AT\s+ACTOR\s+KIND/);
    expect(recent.stdout).toContain('hana');
  });

  it('pages through every record with --all', async () => {
    const all = JSON.parse(
      (await steward(['audit', 'list', '--all', '--json'], { env: asAdmin() })).stdout,
    ).items;
    const limited = JSON.parse(
      (await steward(['audit', 'list', '--limit', '2', '--json'], { env: asAdmin() })).stdout,
    ).items;
    expect(limited).toHaveLength(2);
    expect(all.length).toBeGreaterThan(2);
    const seqs = all.map((r: { seq: number }) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a: number, b: number) => a - b));
  });

  it('verifies an intact log with exit 0, then names the edited and the deleted record with exit 1', async () => {
    const ok = await steward(['audit', 'verify'], { env: asAdmin() });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('The audit log is intact');
    expect(ok.stdout).toContain('keyed from #1');

    const cp = await steward(['audit', 'checkpoint', '--json'], { env: asAdmin() });
    expect(cp.code).toBe(0);
    const cpFile = join(scratch, 'checkpoint.json');
    writeFileSync(cpFile, cp.stdout);
    const held = await steward(['audit', 'verify', '--checkpoint', cpFile], { env: asAdmin() });
    expect(held.code).toBe(0);
    expect(held.stdout).toContain('checkpoint held');
    writeFileSync(join(scratch, 'not-a-checkpoint.json'), '{"seq":1}');
    const bad = await steward(['audit', 'verify', '--checkpoint', join(scratch, 'not-a-checkpoint.json')], {
      env: asAdmin(),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--checkpoint');

    await createUser('ivan', 'operator');
    await createUser('jill', 'operator');
    const rows = await t.database.query<{ seq: number | string }>(
      `SELECT seq FROM audit_log WHERE kind = 'user.create' ORDER BY seq DESC LIMIT 2`,
    );
    const [deleted, edited] = rows.map((r) => Number(r.seq)) as [number, number];
    await t.database.query(`UPDATE audit_log SET details = '{"username":"mallory"}'::jsonb WHERE seq = $1`, [
      edited,
    ]);
    await t.database.query('DELETE FROM audit_log WHERE seq = $1', [deleted]);

    const broken = await steward(['audit', 'verify'], { env: asAdmin() });
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`Record #${edited} was edited after it was written.`);
    expect(broken.stdout).toMatch(new RegExp(`#${deleted}\\b.*were deleted`));
    expect(broken.stderr).toContain('tampered');

    const json = await steward(['audit', 'verify', '--json'], { env: asAdmin() });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false });
  });
});
