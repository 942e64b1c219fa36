// Runs one workflow action as a child process: minimal environment, injected credential, timeout, output cap, optional OS-user switch.
import { execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type InjectedCredential, injectCredential, type RunnerCredential } from './credential-injection.js';
import { createOutputCollector, DEFAULT_OUTPUT_CAP_BYTES, redactSecrets } from './output-cap.js';

export type { RunnerCredential } from './credential-injection.js';

/** The `action` of a workflow (docs/packs.md): a program with its arguments (no shell), or a script. */
export type WorkflowAction =
  | { type: 'command'; command: string[]; timeoutSeconds?: number }
  | { type: 'script'; interpreter: string; script: string; timeoutSeconds?: number };

export type RunContext = {
  workflowId: string;
  objectId: string;
  /** The object's properties, given to the child as STEWARD_PROP_<NAME>. */
  properties?: Record<string, unknown>;
};

export type RunActionOptions = {
  action: WorkflowAction;
  /** The resolved credential; undefined means the default action account has none here: run as the agent's user. */
  credential?: RunnerCredential | undefined;
  context: RunContext;
  /** Overrides the action's timeoutSeconds (default 300 s). */
  timeoutMs?: number;
  /** Per stream; default 1 MiB. */
  outputCapBytes?: number;
  /** Time between SIGTERM and SIGKILL to the process group; default 5 s. */
  killGraceMs?: number;
  /** Where the private run and credential directories are made; default the OS temp directory. */
  tempRoot?: string;
  /** PATH of the child; default the standard system directories. */
  path?: string;
  /** LANG of the child; default C.UTF-8. */
  lang?: string;
  /** false: never switch OS user, even as root (agent setting). Default true. */
  switchUser?: boolean;
};

export type RanAs = {
  /** The OS user the process ran as. */
  user: string;
  uid: number;
  /** true when the process was started as the account's OS user rather than the agent's. */
  switched: boolean;
  /** Why: the account it ran as, or why no OS-level switch happened. */
  reason: string;
};

export type RunResult = {
  /** null when the process ended by a signal or never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** true when stdout or stderr went past the cap; the kept part is the beginning. */
  truncated: boolean;
  /** Bytes the child wrote to each stream, kept or not. */
  stdoutBytes: number;
  stderrBytes: number;
  durationMs: number;
  ranAs: RanAs;
  /** Why the process could not be started (e.g. the program does not exist), else null. */
  startError: string | null;
};

export const DEFAULT_TIMEOUT_SECONDS = 300;
export const DEFAULT_KILL_GRACE_MS = 5000;
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Account types whose user name may be a local OS user to run as. */
const switchableTypes = new Set(['action', 'unix-monitoring', 'unix-maintenance']);

export type OsUser = { name: string; uid: number; gid: number; home: string };

/**
 * Runs the action and resolves with its outcome; it rejects only on bad input (an empty command, an
 * environment value holding a NUL character). Secrets never appear in the result or in an error: they
 * travel in the environment and private files, and any the child prints are replaced with `[redacted]`.
 * The private directories are removed before it settles, whatever happened.
 */
export async function runAction(options: RunActionOptions): Promise<RunResult> {
  const { action, credential, context } = options;
  const program = action.type === 'command' ? action.command[0] : action.interpreter;
  if (!program)
    throw new Error(action.type === 'command' ? 'action.command is empty' : 'action.interpreter is empty');
  const timeoutMs = options.timeoutMs ?? (action.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  if (!(timeoutMs > 0)) throw new RangeError('the timeout must be positive');
  const capBytes = options.outputCapBytes ?? DEFAULT_OUTPUT_CAP_BYTES;
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const tempRoot = options.tempRoot ?? tmpdir();

  const plan = await planRunAs(credential, {
    agentUid: process.getuid?.(),
    switchUser: options.switchUser ?? true,
    lookup: lookupOsUser,
  });
  const owner = plan.switchTo ? { uid: plan.switchTo.uid, gid: plan.switchTo.gid } : undefined;

  let runDir: string | undefined;
  let injected: InjectedCredential | undefined;
  try {
    runDir = await mkdtemp(join(tempRoot, 'steward-run-'));
    await chmod(runDir, 0o700);
    if (owner) await chown(runDir, owner.uid, owner.gid);
    if (credential) injected = await injectCredential(credential, { tempRoot, owner });

    let args: string[];
    if (action.type === 'command') {
      args = action.command.slice(1);
    } else {
      const file = join(runDir, `script${scriptExtension(action.interpreter)}`);
      await writeFile(file, action.script, { mode: 0o600, flag: 'wx' });
      if (owner) await chown(file, owner.uid, owner.gid);
      args = [file];
    }

    const env = childEnvironment({
      path: options.path ?? DEFAULT_PATH,
      home: plan.home,
      lang: options.lang ?? 'C.UTF-8',
      context,
      credentialEnv: injected?.env ?? {},
    });

    const raw = await execute(program, args, { cwd: runDir, env, owner, timeoutMs, graceMs, capBytes });
    const secrets = injected?.secrets ?? [];
    return {
      exitCode: raw.exitCode,
      signal: raw.signal,
      timedOut: raw.timedOut,
      stdout: redactSecrets(raw.stdout.text(), secrets, raw.stdout.truncated),
      stderr: redactSecrets(raw.stderr.text(), secrets, raw.stderr.truncated),
      truncated: raw.stdout.truncated || raw.stderr.truncated,
      stdoutBytes: raw.stdout.totalBytes,
      stderrBytes: raw.stderr.totalBytes,
      durationMs: raw.durationMs,
      ranAs: plan.ranAs,
      startError: raw.startError === null ? null : redactSecrets(raw.startError, secrets, false),
    };
  } finally {
    await injected?.cleanup();
    if (runDir) await rm(runDir, { recursive: true, force: true });
  }
}

/** Decides who the child runs as; `agentUid` undefined means a platform without POSIX users. */
export async function planRunAs(
  credential: RunnerCredential | undefined,
  deps: {
    agentUid: number | undefined;
    switchUser: boolean;
    lookup: (name: string) => Promise<OsUser | undefined>;
  },
): Promise<{ ranAs: RanAs; switchTo: OsUser | undefined; home: string }> {
  const agent = agentUser(deps.agentUid);
  const asAgent = (reason: string) => ({
    ranAs: { user: agent.name, uid: agent.uid, switched: false, reason },
    switchTo: undefined,
    home: agent.home,
  });
  if (!credential) return asAgent("no credential: ran as the agent's own user (default action account)");
  if (!switchableTypes.has(credential.type))
    return asAgent(`a ${credential.type} account is injected, not run as: ran as the agent's own user`);
  const name = credential.publicFields.userName;
  if (typeof name !== 'string' || name.length === 0)
    return asAgent("the account has no user name: ran as the agent's own user");
  if (!deps.switchUser) return asAgent('OS user switch disabled by configuration');
  if (deps.agentUid === undefined) return asAgent('OS user switch not supported on this platform');
  if (deps.agentUid !== 0) return asAgent('agent not running as root');
  if (!isPlausibleUserName(name)) return asAgent(`user ${name} is not a valid local user name`);
  const user = await deps.lookup(name);
  if (!user) return asAgent(`user ${name} does not exist here`);
  return {
    ranAs: { user: user.name, uid: user.uid, switched: true, reason: `ran as OS user ${user.name}` },
    switchTo: user,
    home: user.home,
  };
}

/** Looks a user up through the system's name service (`getent passwd`), so LDAP/SSSD users count too. */
export async function lookupOsUser(name: string): Promise<OsUser | undefined> {
  if (!isPlausibleUserName(name)) return undefined;
  const line = await new Promise<string | undefined>((resolve) => {
    execFile(
      'getent',
      ['passwd', '--', name],
      { env: { PATH: DEFAULT_PATH }, timeout: 10_000 },
      (err, stdout) => resolve(err ? undefined : stdout.split('\n')[0]),
    );
  });
  const parts = line?.split(':');
  if (!parts || parts.length < 7) return undefined;
  const uid = Number(parts[2]);
  const gid = Number(parts[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
  return { name: parts[0] ?? name, uid, gid, home: parts[5] || '/' };
}

/** Letters, digits, dot, underscore, hyphen, at-sign (not first), an optional final $: no options, no paths. */
function isPlausibleUserName(name: string): boolean {
  return /^[A-Za-z0-9._][A-Za-z0-9._@-]{0,255}\$?$/.test(name);
}

function agentUser(uid: number | undefined): { name: string; uid: number; home: string } {
  try {
    const info = userInfo();
    return { name: info.username, uid: info.uid, home: info.homedir };
  } catch {
    // A uid with no passwd entry (some containers) still runs; it just has no name.
    return { name: String(uid ?? -1), uid: uid ?? -1, home: '/' };
  }
}

/** PowerShell and Windows shells refuse a script without its extension; others do not care. */
function scriptExtension(interpreter: string): string {
  const name = basename(interpreter)
    .toLowerCase()
    .replace(/\.exe$/, '');
  if (name === 'pwsh' || name === 'powershell') return '.ps1';
  if (name === 'cmd') return '.cmd';
  if (name.startsWith('python')) return '.py';
  if (name === 'node') return '.mjs';
  if (name === 'sh' || name === 'bash' || name === 'dash' || name === 'zsh' || name === 'ksh') return '.sh';
  return '';
}

/** STEWARD_PROP_<NAME>: upper case, anything but letters and digits becomes an underscore. */
export function propertyVariableName(name: string): string {
  return `STEWARD_PROP_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The child's whole environment: nothing of the agent's own (which may hold the agent's secrets). */
function childEnvironment(input: {
  path: string;
  home: string;
  lang: string;
  context: RunContext;
  credentialEnv: Record<string, string>;
}): Record<string, string> {
  const env: Record<string, string> = { PATH: input.path, HOME: input.home, LANG: input.lang };
  for (const [name, value] of Object.entries(input.context.properties ?? {})) {
    env[propertyVariableName(name)] = propertyText(value);
  }
  env.STEWARD_OBJECT_ID = input.context.objectId;
  env.STEWARD_WORKFLOW_ID = input.context.workflowId;
  Object.assign(env, input.credentialEnv);
  for (const [name, value] of Object.entries(env)) {
    // spawn would throw with the value in its message; refuse here naming only the variable.
    if (value.includes('\0') || name.includes('\0'))
      throw new Error(`${name} holds a NUL character and cannot be passed in the environment`);
  }
  return env;
}

function propertyText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value);
}

type RawOutcome = {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: ReturnType<typeof createOutputCollector>;
  stderr: ReturnType<typeof createOutputCollector>;
  durationMs: number;
  startError: string | null;
};

/**
 * Spawns the program as the leader of a new process group (no shell). At the timeout the group gets
 * SIGTERM, then SIGKILL after the grace period. When the leader exits, what is left of its group is
 * killed too: the run is over and its credential files are about to be removed.
 */
function execute(
  program: string,
  args: string[],
  opts: {
    cwd: string;
    env: Record<string, string>;
    owner: { uid: number; gid: number } | undefined;
    timeoutMs: number;
    graceMs: number;
    capBytes: number;
  },
): Promise<RawOutcome> {
  const stdout = createOutputCollector(opts.capBytes);
  const stderr = createOutputCollector(opts.capBytes);
  const started = performance.now();
  return new Promise((resolve) => {
    let exitCode: number | null = null;
    let signal: NodeJS.Signals | null = null;
    let timedOut = false;
    let startError: string | null = null;
    let settled = false;
    let exited = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      const durationMs = Math.round(performance.now() - started);
      resolve({ exitCode, signal, timedOut, stdout, stderr, durationMs, startError });
    };

    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(program, args, {
        cwd: opts.cwd,
        env: opts.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
        ...(opts.owner ? { uid: opts.owner.uid, gid: opts.owner.gid } : {}),
      });
    } catch (err) {
      startError = `could not start ${program}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`;
      finish();
      return;
    }

    const killGroup = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // ESRCH: the group is already gone.
      }
    };

    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) {
        startError = `could not start ${program}: ${err.code ?? 'error'}`;
        finish();
      }
    });
    child.on('exit', (code, sig) => {
      exited = true;
      exitCode = code;
      signal = sig;
      killGroup('SIGKILL');
      // A process that left the group (setsid) may hold the pipes open: do not wait for it forever.
      timers.push(
        setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          finish();
        }, opts.graceMs),
      );
    });
    child.on('close', finish);

    timers.push(
      setTimeout(() => {
        if (exited) return;
        timedOut = true;
        killGroup('SIGTERM');
        // After the leader's exit the group has had its SIGKILL already.
        timers.push(setTimeout(() => exited || killGroup('SIGKILL'), opts.graceMs));
      }, opts.timeoutMs),
    );
  });
}
