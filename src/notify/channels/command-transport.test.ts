// Proves the command channel by running real shell scripts: arguments rendered from the alert fields and
// passed without a shell, a minimal environment, the working directory, exit codes, the time limit (which
// also stops what the program started) and cancellation.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CommandChannelSettingsInput,
  commandChannelSettingsSchema,
} from '../../contract/notify-channel-kinds.js';
import { createCommandTransport, renderCommandArgument } from './command-transport.js';
import type { OutgoingMessage } from './transport.js';

const fields = {
  AlertName: 'Disk full',
  Severity: 'Critical',
  AlertId: 'alrt 01/ä',
  AlertDescription: '$(touch /tmp/pwned); `id` "quoted"',
  WebConsoleUrl: 'https://steward.contoso.com',
};
const message = (extra: Record<string, string> = {}): OutgoingMessage => ({
  subject: '',
  body: '',
  bodyIsHtml: false,
  fields: { ...fields, ...extra },
  deliveryId: 'dlv_1',
});
const noAddress = { address: '', role: 'to' } as const;
/** A killed process whose parent is gone may linger as a zombie until init reaps it: that is not running. */
async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}
const token = (name: string) => `$Data/Context/DataItem/${name}$`;

describe('command channel settings', () => {
  it('needs an absolute program path and defaults to no arguments and a 60 s limit', () => {
    expect(commandChannelSettingsSchema.parse({ applicationPath: '/opt/notify/page.sh' })).toEqual({
      applicationPath: '/opt/notify/page.sh',
      arguments: [],
      alertTextArguments: 'refuse-leading-dash',
      timeoutSeconds: 60,
    });
    expect(commandChannelSettingsSchema.safeParse({ applicationPath: 'C:\\Tools\\page.exe' }).success).toBe(
      true,
    );
    expect(commandChannelSettingsSchema.safeParse({ applicationPath: 'page.sh' }).success).toBe(false);
    expect(
      commandChannelSettingsSchema.safeParse({ applicationPath: '/bin/true', workingDirectory: 'tmp' })
        .success,
    ).toBe(false);
  });

  it('refuses argument templates with unknown tokens', () => {
    const r = commandChannelSettingsSchema.safeParse({
      applicationPath: '/bin/true',
      arguments: ['$Data/Context/DataItem/NoSuchField$'],
    });
    expect(r.error?.issues[0]?.path).toEqual(['arguments', 0]);
  });
});

describe('command arguments', () => {
  it('substitutes fields, defaults, URL-encoded fields and the web console URL; a missing field is empty', () => {
    expect(renderCommandArgument(`--name=${token('AlertName')}`, fields)).toBe('--name=Disk full');
    expect(renderCommandArgument("$Data[Default='none']/Context/DataItem/Owner$", fields)).toBe('none');
    expect(renderCommandArgument('$UrlEncodeData/Context/DataItem/AlertId$', fields)).toBe(
      'alrt%2001%2F%C3%A4',
    );
    expect(
      renderCommandArgument(
        '$Target/Property[Type="Notification!Microsoft.SystemCenter.AlertNotificationSubscriptionServer"]/WebConsoleUrl$/alerts',
        fields,
      ),
    ).toBe('https://steward.contoso.com/alerts');
    expect(renderCommandArgument(`[${token('TicketId')}] costs $5`, fields)).toBe('[] costs $5');
  });
});

describe('command transport', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'steward-command-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function script(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, `#!/bin/sh\n${text}\n`);
    await chmod(path, 0o755);
    return path;
  }
  const transport = (settings: CommandChannelSettingsInput) =>
    createCommandTransport(commandChannelSettingsSchema.parse(settings), { killGraceMs: 200 });

  it('never lets alert text become an option: refused by default, or passed after "--" when the channel says so', async () => {
    const out = join(dir, 'argv.txt');
    const program = await script('argv.sh', `for a in "$@"; do printf '%s\n' "$a"; done > "${out}"`);
    const args = ['--from-template', token('AlertName'), token('Severity')];
    const hostile = message({ AlertName: '--exec=/bin/rm' });
    const refused = await transport({ applicationPath: program, arguments: args }).send(
      hostile,
      noAddress,
      undefined,
    );
    expect(refused).toMatchObject({
      ok: false,
      retryable: false,
      reason: expect.stringMatching(/argument 2/),
    });
    await expect(readFile(out, 'utf8')).rejects.toThrow();
    // The channel's own options may start with "-"; so may alert text that does not lead an argument.
    expect(
      (await transport({ applicationPath: program, arguments: args }).send(message(), noAddress, undefined))
        .ok,
    ).toBe(true);
    const passed = await transport({
      applicationPath: program,
      arguments: args,
      alertTextArguments: 'after-double-dash',
    }).send(hostile, noAddress, undefined);
    expect(passed.ok).toBe(true);
    expect((await readFile(out, 'utf8')).split('\n')).toEqual([
      '--from-template',
      '--',
      '--exec=/bin/rm',
      'Critical',
      '',
    ]);
  });

  it('runs the program with each rendered argument as one argv entry, no shell, PATH alone and the working directory', async () => {
    const out = join(dir, 'out.txt');
    const program = await script(
      'record.sh',
      `for a in "$@"; do printf '%s\\n' "$a"; done > "${out}"\nenv | sort > "${out}.env"\npwd > "${out}.cwd"\necho recorded`,
    );
    const r = await transport({
      applicationPath: program,
      arguments: [
        token('AlertName'),
        `--severity=${token('Severity')}`,
        token('AlertDescription'),
        token('Owner'),
      ],
      workingDirectory: dir,
    }).send(message(), noAddress, undefined);
    expect(r).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^record\.sh exited with code 0 after \d+ ms: recorded$/),
    });
    expect((await readFile(out, 'utf8')).split('\n')).toEqual([
      'Disk full',
      '--severity=Critical',
      '$(touch /tmp/pwned); `id` "quoted"',
      '',
      '',
    ]);
    const env = (await readFile(`${out}.env`, 'utf8')).trim().split('\n');
    // sh itself adds PWD (and may add SHLVL or _); nothing comes from Steward's own environment.
    expect(env.filter((line) => !/^(PWD|SHLVL|_|OLDPWD)=/.test(line))).toEqual([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ]);
    expect((await readFile(`${out}.cwd`, 'utf8')).trim()).toBe(dir);
  });

  it('reports a non-zero exit as final, with the code and the first line of standard error', async () => {
    const program = await script(
      'fail.sh',
      'echo "ticket system: disk full" >&2\necho "more detail" >&2\nexit 3',
    );
    const r = await transport({ applicationPath: program }).send(message(), noAddress, undefined);
    expect(r).toEqual({
      ok: false,
      retryable: false,
      reason: 'fail.sh exited with code 3: ticket system: disk full',
    });
  });

  it('stops a program that runs past its limit, and what it started, and reports it', async () => {
    const pidFile = join(dir, 'sleep.pid');
    const program = await script('hang.sh', `sleep 30 &\necho $! > "${pidFile}"\necho "waiting" >&2\nwait`);
    const started = Date.now();
    const r = await transport({ applicationPath: program, timeoutSeconds: 1 }).send(
      message(),
      noAddress,
      undefined,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r).toEqual({
      ok: false,
      retryable: false,
      reason: 'hang.sh did not finish within 1 s and was stopped: waiting',
    });
    const sleepPid = Number(await readFile(pidFile, 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await isRunning(sleepPid)).toBe(false);
  });

  it('keeps only the first bytes of a flood of output, without stopping the program', async () => {
    const program = await script('chatty.sh', 'yes 0123456789 | head -c 2000000\necho done >&2');
    const r = await createCommandTransport(commandChannelSettingsSchema.parse({ applicationPath: program }), {
      maxOutputBytes: 1024,
    }).send(message(), noAddress, undefined);
    expect(r).toMatchObject({ ok: true, detail: expect.stringContaining(': 0123456789') });
  });

  it('reports a program that cannot be started, and a missing working directory, as final', async () => {
    const missing = await transport({ applicationPath: join(dir, 'nope.sh') }).send(
      message(),
      noAddress,
      undefined,
    );
    expect(missing).toEqual({
      ok: false,
      retryable: false,
      reason: `cannot run ${join(dir, 'nope.sh')}: ENOENT`,
    });
    const noDir = await transport({ applicationPath: '/bin/true', workingDirectory: join(dir, 'gone') }).send(
      message(),
      noAddress,
      undefined,
    );
    expect(noDir).toMatchObject({
      ok: false,
      retryable: false,
      reason: expect.stringContaining('does not exist'),
    });
  });

  it('stops the program when the caller cancels, as retryable', async () => {
    const program = await script('slow.sh', 'sleep 30');
    const controller = new AbortController();
    const pending = transport({ applicationPath: program }).send(
      message(),
      noAddress,
      undefined,
      controller.signal,
    );
    setTimeout(() => controller.abort(), 100);
    expect(await pending).toEqual({
      ok: false,
      retryable: true,
      reason: 'slow.sh was stopped: the delivery was cancelled',
    });
  });
});
