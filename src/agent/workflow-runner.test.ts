// Proves the workflow runner with real processes: no shell, timeouts that kill the group, output caps, a minimal environment, credentials injected by type and never on the command line, redaction, and the OS-user switch.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunnerCredential } from './credential-injection.js';
import { lookupOsUser, planRunAs, type RunActionOptions, runAction } from './workflow-runner.js';

const TEST_USER = 'steward-test-runas';
const AGENT_SECRET = 'agent-own-secret-4f1c9e';
const context = { workflowId: 'Contoso.SQL.Status', objectId: 'obj_sql1', properties: {} };
const node = process.execPath;

let tempRoot: string;
let createdUser = false;

beforeAll(async () => {
  // Traversable (0711) so a child switched to another OS user can reach its private directories.
  tempRoot = await mkdtemp(join(tmpdir(), 'steward-runner-test-'));
  await chmod(tempRoot, 0o711);
  process.env.STEWARD_TEST_SECRET = AGENT_SECRET;
  if (!(await lookupOsUser(TEST_USER))) {
    execFileSync('useradd', ['--system', '--no-create-home', TEST_USER]);
    createdUser = true;
  }
});

afterAll(async () => {
  delete process.env.STEWARD_TEST_SECRET;
  if (createdUser) execFileSync('userdel', [TEST_USER]);
  await rm(tempRoot, { recursive: true, force: true });
});

afterEach(async () => {
  // Every run removes its run and credential directories, whatever happened.
  expect(await readdir(tempRoot)).toEqual([]);
});

const run = (options: Omit<RunActionOptions, 'context'> & { context?: RunActionOptions['context'] }) =>
  runAction({ context, tempRoot, ...options });

const command = (...argv: string[]) => ({ type: 'command' as const, command: argv });
const sh = (script: string) => command('sh', '-c', script);

/** A node child printing its environment and command line hex-encoded, so redaction cannot hide what it saw. */
const dumpProcess = command(
  node,
  '-e',
  `const hex = (s) => Buffer.from(s).toString('hex');
   const env = Object.fromEntries(Object.entries(process.env).map(([k, v]) => [k, hex(v)]));
   const cmdline = hex(require('fs').readFileSync('/proc/self/cmdline'));
   process.stdout.write(JSON.stringify({ env, cmdline }));`,
);

async function dump(credential?: RunnerCredential, properties: Record<string, unknown> = {}) {
  const result = await run({ action: dumpProcess, credential, context: { ...context, properties } });
  expect(result.exitCode).toBe(0);
  const parsed = JSON.parse(result.stdout) as { env: Record<string, string>; cmdline: string };
  const env = Object.fromEntries(
    Object.entries(parsed.env).map(([k, v]) => [k, Buffer.from(v, 'hex').toString('utf8')]),
  );
  return { env, cmdline: Buffer.from(parsed.cmdline, 'hex').toString('utf8'), result };
}

function isRunning(pid: number): boolean {
  try {
    // A zombie waiting for a parent that does not reap is dead for our purpose.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const windows: RunnerCredential = {
  type: 'windows',
  publicFields: { userName: 'svc-sql', domain: 'CONTOSO' },
  secret: { password: 'Win-Pa55-7d1e0b' },
};
const basic: RunnerCredential = {
  type: 'basic',
  publicFields: { userName: 'api-reader' },
  secret: { password: 'Basic-Pa55-19ac2f' },
};
const snmpv3: RunnerCredential = {
  type: 'snmpv3',
  publicFields: { userName: 'snmp-ro', context: 'core', authProtocol: 'sha', privacyProtocol: 'aes' },
  secret: { authKey: 'auth-key-6b2d91', privacyKey: 'priv-key-0e4a77' },
};
const token: RunnerCredential = {
  type: 'token',
  publicFields: {},
  secret: { token: 'tok.eyJzdWIiOiJ4In0.sig93' },
};
const community: RunnerCredential = {
  type: 'community-string',
  publicFields: {},
  secret: { communityString: 'c0mmunity-5e3f' },
};
const sshKeyText = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACDfakefakefakefakefakefakefakefakefakefakefakefakeAAAAJgAAAA',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');
const sshKey: RunnerCredential = {
  type: 'ssh-key',
  publicFields: { userName: 'deploy' },
  secret: { privateKey: sshKeyText, passphrase: 'ssh-phrase-88c1' },
};
const certificate: RunnerCredential = {
  type: 'certificate',
  publicFields: {},
  secret: {
    certificatePem:
      '-----BEGIN CERTIFICATE-----\nMIIBcertificatebodyQUJDREVGR0hJSktMTU5PUFFSU1RV\n-----END CERTIFICATE-----\n',
    privateKeyPem:
      '-----BEGIN PRIVATE KEY-----\nMIIEkeybodyV1hZWmFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3\n-----END PRIVATE KEY-----\n',
  },
};
const binaryBytes = Buffer.from([0, 1, 2, 254, 255, 10, 13, 0x80, 0x7f]);
const binary: RunnerCredential = {
  type: 'binary',
  publicFields: {},
  secret: { dataBase64: binaryBytes.toString('base64') },
};
const actionAs = (userName: string): RunnerCredential => ({
  type: 'action',
  publicFields: { userName },
  secret: { password: 'Action-Pa55-3c9d' },
});

describe('actions', () => {
  it('runs a command action without a shell: metacharacters reach the program as plain arguments', async () => {
    const result = await run({ action: command('echo', 'a; echo b', '$HOME', '`id`') });
    expect(result).toMatchObject({ exitCode: 0, signal: null, timedOut: false, startError: null });
    expect(result.stdout).toBe('a; echo b $HOME `id`\n');
  });

  it('runs a script action as `interpreter file` from a private 0600 file that is gone afterwards', async () => {
    const result = await run({
      action: {
        type: 'script',
        interpreter: 'sh',
        script: 'echo "$0"; stat -c %a "$0"; echo to-err >&2; exit 3',
      },
    });
    expect(result.exitCode).toBe(3);
    const [file, mode] = result.stdout.trim().split('\n');
    expect(file).toMatch(new RegExp(`^${tempRoot}/steward-run-[^/]+/script\\.sh$`));
    expect(mode).toBe('600');
    expect(result.stderr).toBe('to-err\n');
    expect(existsSync(file!)).toBe(false);
  });

  it('reports the exit code of the program', async () => {
    expect((await run({ action: sh('exit 7') })).exitCode).toBe(7);
    expect((await run({ action: command('false') })).exitCode).toBe(1);
    expect((await run({ action: command('true') })).exitCode).toBe(0);
  });

  it('reports a program that cannot be started without throwing', async () => {
    const result = await run({ action: command('steward-no-such-program', '--x'), credential: sshKey });
    expect(result.exitCode).toBeNull();
    expect(result.startError).toBe('could not start steward-no-such-program: ENOENT');
  });

  it('refuses an empty command', async () => {
    await expect(run({ action: command() })).rejects.toThrow('action.command is empty');
  });
});

describe('timeouts', () => {
  it('kills the whole process group at the timeout, grandchildren included', async () => {
    const result = await run({
      action: sh('sleep 30 & echo $!; sleep 30'),
      timeoutMs: 400,
      killGraceMs: 1000,
    });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.signal).toBe('SIGTERM');
    expect(result.durationMs).toBeLessThan(1400);
    const grandchild = Number(result.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    expect(isRunning(grandchild)).toBe(false);
  });

  it('follows SIGTERM with SIGKILL after the grace period for a child that ignores SIGTERM', async () => {
    const result = await run({ action: sh("trap '' TERM; sleep 30"), timeoutMs: 300, killGraceMs: 700 });
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe('SIGKILL');
    expect(result.durationMs).toBeGreaterThanOrEqual(950);
    expect(result.durationMs).toBeLessThan(2500);
  });

  it("takes the action's timeoutSeconds when no timeout is given", async () => {
    const result = await run({ action: { ...command('sleep', '30'), timeoutSeconds: 1 }, killGraceMs: 500 });
    expect(result.timedOut).toBe(true);
    expect(result.durationMs).toBeGreaterThanOrEqual(950);
    expect(result.durationMs).toBeLessThan(2500);
  });

  it('does not report a timeout for a program that finishes in time', async () => {
    const result = await run({ action: command('sleep', '0.1'), timeoutMs: 5000 });
    expect(result).toMatchObject({ timedOut: false, exitCode: 0 });
  });

  it('kills processes left in the group when the program exits, so none outlives the run', async () => {
    const result = await run({ action: sh('sleep 30 & echo $!'), timeoutMs: 10_000, killGraceMs: 1000 });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(result.durationMs).toBeLessThan(1500);
    expect(isRunning(Number(result.stdout.trim()))).toBe(false);
  });
});

describe('output cap', () => {
  it('keeps the first MiB of 5 MiB of output, flags it truncated, and lets the child finish', async () => {
    const result = await run({ action: sh("head -c 5242880 /dev/zero | tr '\\0' x; echo done >&2") });
    expect(result.exitCode).toBe(0);
    expect(result.truncated).toBe(true);
    expect(result.stdout.length).toBe(1024 * 1024);
    expect(result.stdout).toMatch(/^x+$/);
    expect(result.stdoutBytes).toBe(5 * 1024 * 1024);
    expect(result.stderr).toBe('done\n');
  });

  it('applies a given cap to each stream separately', async () => {
    const result = await run({ action: sh('printf 0123456789; printf abcdefghij >&2'), outputCapBytes: 4 });
    expect(result).toMatchObject({ stdout: '0123', stderr: 'abcd', truncated: true, stdoutBytes: 10 });
  });

  it('does not flag output within the cap', async () => {
    const result = await run({ action: sh('printf 0123'), outputCapBytes: 4 });
    expect(result).toMatchObject({ stdout: '0123', truncated: false });
  });
});

describe('environment', () => {
  it("gives the child only PATH, HOME, LANG and the STEWARD_ context, none of the agent's environment", async () => {
    const { env } = await dump(undefined, { 'Instance.Name': 'MSSQLSERVER', port: 1433, ha: true });
    expect(Object.keys(env).sort()).toEqual(
      [
        'HOME',
        'LANG',
        'PATH',
        'STEWARD_OBJECT_ID',
        'STEWARD_PROP_HA',
        'STEWARD_PROP_INSTANCE_NAME',
        'STEWARD_PROP_PORT',
        'STEWARD_WORKFLOW_ID',
      ].sort(),
    );
    expect(env).toMatchObject({
      STEWARD_OBJECT_ID: 'obj_sql1',
      STEWARD_WORKFLOW_ID: 'Contoso.SQL.Status',
      STEWARD_PROP_INSTANCE_NAME: 'MSSQLSERVER',
      STEWARD_PROP_PORT: '1433',
      STEWARD_PROP_HA: 'true',
      LANG: 'C.UTF-8',
    });
    expect(JSON.stringify(env)).not.toContain(AGENT_SECRET);
  });

  it("keeps the agent's own secret out of a child that has a credential too", async () => {
    const result = await run({ action: sh('cat /proc/$$/environ; env'), credential: windows });
    expect(result.stdout).toContain('STEWARD_RUNAS_USERNAME=svc-sql');
    expect(result.stdout).not.toContain('STEWARD_TEST_SECRET');
    expect(result.stdout).not.toContain(AGENT_SECRET);
  });

  it('refuses a NUL character in a property, naming the variable and not the value', async () => {
    const error = await run({
      action: command('true'),
      context: { ...context, properties: { note: 'abc\0hidden-value' } },
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      'STEWARD_PROP_NOTE holds a NUL character and cannot be passed in the environment',
    );
  });
});

describe('credential injection into the environment', () => {
  const cases: [string, RunnerCredential, Record<string, string>][] = [
    [
      'windows',
      windows,
      {
        STEWARD_RUNAS_TYPE: 'windows',
        STEWARD_RUNAS_USERNAME: 'svc-sql',
        STEWARD_RUNAS_DOMAIN: 'CONTOSO',
        STEWARD_RUNAS_PASSWORD: 'Win-Pa55-7d1e0b',
      },
    ],
    [
      'basic',
      basic,
      {
        STEWARD_RUNAS_TYPE: 'basic',
        STEWARD_RUNAS_USERNAME: 'api-reader',
        STEWARD_RUNAS_PASSWORD: 'Basic-Pa55-19ac2f',
      },
    ],
    [
      'snmpv3',
      snmpv3,
      {
        STEWARD_RUNAS_TYPE: 'snmpv3',
        STEWARD_RUNAS_USERNAME: 'snmp-ro',
        STEWARD_RUNAS_SNMP_CONTEXT: 'core',
        STEWARD_RUNAS_SNMP_AUTH_PROTOCOL: 'sha',
        STEWARD_RUNAS_SNMP_AUTH_KEY: 'auth-key-6b2d91',
        STEWARD_RUNAS_SNMP_PRIVACY_PROTOCOL: 'aes',
        STEWARD_RUNAS_SNMP_PRIVACY_KEY: 'priv-key-0e4a77',
      },
    ],
    ['token', token, { STEWARD_RUNAS_TYPE: 'token', STEWARD_RUNAS_TOKEN: 'tok.eyJzdWIiOiJ4In0.sig93' }],
    [
      'community-string',
      community,
      { STEWARD_RUNAS_TYPE: 'community-string', STEWARD_RUNAS_COMMUNITY: 'c0mmunity-5e3f' },
    ],
  ];

  it.each(cases)(
    'injects a %s credential as exactly its STEWARD_RUNAS_ variables',
    async (_name, cred, expected) => {
      const { env } = await dump(cred);
      const runAs = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('STEWARD_RUNAS_')));
      expect(runAs).toEqual(expected);
      expect(
        Object.keys(env)
          .filter((k) => !k.startsWith('STEWARD_'))
          .sort(),
      ).toEqual(['HOME', 'LANG', 'PATH']);
    },
  );

  it.each(cases)('keeps every %s secret off the command line', async (_name, cred) => {
    const { cmdline } = await dump(cred);
    for (const value of Object.values(cred.secret)) expect(cmdline).not.toContain(value as string);
  });

  it('keeps secrets out of $0 and $@ of a shell child and of its /proc cmdline', async () => {
    const result = await run({
      action: {
        type: 'script',
        interpreter: 'sh',
        script: `echo "args: $0 $@"
         tr '\\0' ' ' < /proc/$$/cmdline; echo
         case "$(tr '\\0' ' ' < /proc/$$/cmdline) $0 $@" in *"$STEWARD_RUNAS_PASSWORD"*) echo LEAK;; *) echo CLEAN;; esac`,
      },
      credential: windows,
    });
    expect(result.stdout).toContain('CLEAN');
    expect(result.stdout).not.toContain('LEAK');
    expect(result.stdout).not.toContain('[redacted]');
  });
});

describe('credential files', () => {
  const listing =
    'd=$(dirname "$F"); stat -c "%a %U" "$d"; stat -c "%a %U" "$F"; echo "$F"; sha256sum < "$F" | cut -d" " -f1';

  async function inspect(cred: RunnerCredential, variable: string) {
    const result = await run({ action: sh(`F=$${variable}; ${listing}`), credential: cred });
    expect(result.exitCode).toBe(0);
    const [dirMode, fileMode, path, sha] = result.stdout.trim().split('\n');
    return { dirMode, fileMode, path: path!, sha };
  }
  const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

  it('writes an ssh key to a 0600 file in a 0700 directory, names it in STEWARD_RUNAS_KEY_FILE, and removes both', async () => {
    const file = await inspect(sshKey, 'STEWARD_RUNAS_KEY_FILE');
    expect(file).toMatchObject({ dirMode: '700 root', fileMode: '600 root', sha: sha256(`${sshKeyText}\n`) });
    expect(file.path.startsWith(`${tempRoot}/steward-cred-`)).toBe(true);
    expect(existsSync(file.path)).toBe(false);
    const { env } = await dump(sshKey);
    expect(env.STEWARD_RUNAS_USERNAME).toBe('deploy');
    expect(env.STEWARD_RUNAS_PASSPHRASE).toBe('ssh-phrase-88c1');
  });

  it('writes a certificate and its private key to two private files', async () => {
    const cert = await inspect(certificate, 'STEWARD_RUNAS_CERT_FILE');
    const key = await inspect(certificate, 'STEWARD_RUNAS_KEY_FILE');
    expect(cert).toMatchObject({
      fileMode: '600 root',
      sha: sha256(certificate.secret.certificatePem as string),
    });
    expect(key).toMatchObject({
      fileMode: '600 root',
      sha: sha256(certificate.secret.privateKeyPem as string),
    });
    expect(existsSync(cert.path)).toBe(false);
    expect(existsSync(key.path)).toBe(false);
  });

  it('writes binary data byte for byte to STEWARD_RUNAS_DATA_FILE', async () => {
    const file = await inspect(binary, 'STEWARD_RUNAS_DATA_FILE');
    expect(file).toMatchObject({ dirMode: '700 root', fileMode: '600 root', sha: sha256(binaryBytes) });
    expect(existsSync(file.path)).toBe(false);
  });

  it('removes the credential directory after a timeout too', async () => {
    const result = await run({
      action: sh('echo "$STEWARD_RUNAS_KEY_FILE"; sleep 30'),
      credential: sshKey,
      timeoutMs: 300,
      killGraceMs: 500,
    });
    expect(result.timedOut).toBe(true);
    const path = result.stdout.trim();
    expect(path).toMatch(/steward-cred-.*\/id_key$/);
    expect(existsSync(path)).toBe(false);
  });

  it('removes the credential directory when the program cannot be started', async () => {
    const result = await run({ action: command('steward-no-such-program'), credential: certificate });
    expect(result.startError).toContain('ENOENT');
  });
});

describe('redaction', () => {
  it('replaces a secret the child prints, on stdout and on stderr', async () => {
    const result = await run({
      action: sh('echo "password is $STEWARD_RUNAS_PASSWORD."; echo "again:$STEWARD_RUNAS_PASSWORD" >&2'),
      credential: basic,
    });
    expect(result.stdout).toBe('password is [redacted].\n');
    expect(result.stderr).toBe('again:[redacted]\n');
    expect(JSON.stringify(result)).not.toContain('Basic-Pa55-19ac2f');
  });

  it('replaces a key file the child prints, and a line of it printed alone', async () => {
    const result = await run({
      action: sh('cat "$STEWARD_RUNAS_KEY_FILE"; sed -n 2p "$STEWARD_RUNAS_KEY_FILE"'),
      credential: sshKey,
    });
    expect(result.stdout).toBe('[redacted]\n[redacted]\n');
  });

  it('does not leak the start of a secret cut by the output cap', async () => {
    const result = await run({
      action: sh('printf "0123456789%s" "$STEWARD_RUNAS_TOKEN"'),
      credential: token,
      outputCapBytes: 16,
    });
    expect(result.truncated).toBe(true);
    expect(result.stdout).toBe('0123456789[redacted]');
  });
});

describe('running as an OS user', () => {
  it('runs an action account whose user exists as that OS user when the agent is root', async () => {
    const result = await run({ action: command('id', '-un'), credential: actionAs(TEST_USER) });
    expect(result.stdout.trim()).toBe(TEST_USER);
    expect(result.ranAs).toMatchObject({
      user: TEST_USER,
      switched: true,
      reason: `ran as OS user ${TEST_USER}`,
    });
  });

  it('gives a switched unix-maintenance child a key file it owns and can read', async () => {
    const cred: RunnerCredential = {
      type: 'unix-maintenance',
      publicFields: { userName: TEST_USER, elevation: 'sudo' },
      secret: { sshPrivateKey: sshKeyText },
    };
    const result = await run({
      action: sh(
        'id -un; stat -c "%a %U" "$STEWARD_RUNAS_KEY_FILE"; head -c 10 "$STEWARD_RUNAS_KEY_FILE"; echo; pwd',
      ),
      credential: cred,
    });
    const [user, mode, head] = result.stdout.trim().split('\n');
    expect(user).toBe(TEST_USER);
    expect(mode).toBe(`600 ${TEST_USER}`);
    expect(head).toBe('-----BEGIN');
    expect(result.ranAs.switched).toBe(true);
  });

  it('injects the credential without switching, and says why, when the user does not exist here', async () => {
    const result = await run({
      action: sh('id -un; echo $STEWARD_RUNAS_USERNAME'),
      credential: actionAs('svc-sql'),
    });
    expect(result.stdout).toBe('root\nsvc-sql\n');
    expect(result.ranAs).toMatchObject({
      user: 'root',
      uid: 0,
      switched: false,
      reason: 'user svc-sql does not exist here',
    });
  });

  it('does not switch when the agent is configured not to', async () => {
    const result = await run({
      action: command('id', '-un'),
      credential: actionAs(TEST_USER),
      switchUser: false,
    });
    expect(result.stdout.trim()).toBe('root');
    expect(result.ranAs.reason).toBe('OS user switch disabled by configuration');
  });

  it('explains that an agent not running as root cannot switch', async () => {
    const plan = await planRunAs(actionAs(TEST_USER), {
      agentUid: 1000,
      switchUser: true,
      lookup: lookupOsUser,
    });
    expect(plan.switchTo).toBeUndefined();
    expect(plan.ranAs).toMatchObject({ switched: false, reason: 'agent not running as root' });
  });

  it('does not switch for account types that are not OS accounts', async () => {
    const result = await run({
      action: command('id', '-un'),
      credential: { type: 'basic', publicFields: { userName: TEST_USER }, secret: { password: 'p-4411' } },
    });
    expect(result.stdout.trim()).toBe('root');
    expect(result.ranAs.reason).toBe("a basic account is injected, not run as: ran as the agent's own user");
  });

  it("runs as the agent's own user when the default action account gives no credential", async () => {
    const result = await run({ action: command('id', '-un') });
    expect(result.stdout.trim()).toBe('root');
    expect(result.ranAs).toMatchObject({
      user: 'root',
      switched: false,
      reason: "no credential: ran as the agent's own user (default action account)",
    });
  });

  it('refuses a user name that could be read as an option', async () => {
    const result = await run({ action: command('id', '-un'), credential: actionAs('-s') });
    expect(result.ranAs).toMatchObject({ switched: false, reason: 'user -s is not a valid local user name' });
  });
});
