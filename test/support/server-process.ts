// Runs a real `steward server` process (node dist/index.js server) with its own environment and data directory.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { trustingFetch } from '../../src/crypto/tls-trust.js';

const entry = resolve(import.meta.dirname, '../../dist/index.js');

export interface ServerProcessOptions {
  /** STEWARD_* and DATABASE_URL settings; nothing of the caller's own STEWARD_ or DATABASE_URL leaks in. */
  env?: Record<string, string>;
  /** Reuse a data directory (a restart); a fresh temporary one otherwise. */
  dataDir?: string;
  /** A port to listen on; a free one otherwise. */
  port?: number;
  /** How long to wait for /readyz; default 60 s. */
  readyTimeoutMs?: number;
  /** Options for Node itself, before the entry point (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly pid: number;
  readonly stdoutPath: string;
  readonly stderrPath: string;
  readonly exited: Promise<ExitStatus>;
  /** Everything the process has written to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Waits until stdout matches (output and the HTTP port are separate channels: one may lag the other). */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends the signal and waits for the process to end; SIGKILL leaves no chance to clean up. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<ExitStatus>;
}

/** A TCP port nobody listens on right now: bind port 0 on loopback, read it, release it. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (address && typeof address === 'object' ? ok(address.port) : fail(new Error('no port'))));
    });
  });
}

export function tempDir(prefix = 'steward-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('STEWARD_') || k === 'DATABASE_URL' || k.startsWith('VITEST') || k === 'NODE_OPTIONS')
      continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

interface Spawned {
  child: ChildProcess;
  exited: Promise<ExitStatus>;
  stdoutPath: string;
  stderrPath: string;
  output: { stdout: string; stderr: string };
}

function spawnSteward(
  args: string[],
  env: NodeJS.ProcessEnv,
  logDir: string,
  tag: string,
  nodeArgs: string[] = [],
): Spawned {
  const stdoutPath = join(logDir, `${tag}.stdout.log`);
  const stderrPath = join(logDir, `${tag}.stderr.log`);
  const out = createWriteStream(stdoutPath);
  const err = createWriteStream(stderrPath);
  const child = spawn(process.execPath, [...nodeArgs, entry, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const output = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr!.on('data', (chunk: string) => {
    output.stderr += chunk;
  });
  child.stdout!.pipe(out);
  child.stderr!.pipe(err);
  const flushed = (s: WriteStream) =>
    new Promise<void>((ok) => (s.writableFinished ? ok() : s.on('finish', ok)));
  const exited = new Promise<ExitStatus>((ok) => {
    child.once('close', (code, signal) => {
      void Promise.all([flushed(out), flushed(err)]).then(() => ok({ code, signal }));
    });
  });
  return { child, exited, stdoutPath, stderrPath, output };
}

let counter = 0;

/** Children still running: killed when this process exits, so a failed test leaves no server behind. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Starts `steward server` and resolves once /readyz answers 200; throws with the process output otherwise. */
export async function startServer(opts: ServerProcessOptions = {}): Promise<ServerProcess> {
  const dataDir = opts.dataDir ?? tempDir();
  const port = opts.port ?? (await freePort());
  // STEWARD_TLS=on: HTTPS with the self-signed certificate the server makes in its data directory.
  const https = opts.env?.STEWARD_TLS === 'on';
  const url = `${https ? 'https' : 'http'}://127.0.0.1:${port}`;
  const certFile = join(dataDir, 'tls', 'server.crt');
  const tag = `server-${process.pid}-${++counter}-${Date.now()}`;
  const env = baseEnv({
    STEWARD_DATA_DIR: dataDir,
    STEWARD_HOST: '127.0.0.1',
    STEWARD_PORT: String(port),
    ...opts.env,
  });
  const logDir = tempDir('steward-logs-');
  const s = spawnSteward(['server'], env, logDir, tag, opts.nodeArgs);
  let status: ExitStatus | undefined;
  void s.exited.then((x) => {
    status = x;
  });
  const server: ServerProcess = {
    url,
    port,
    dataDir,
    pid: s.child.pid!,
    stdoutPath: s.stdoutPath,
    stderrPath: s.stderrPath,
    exited: s.exited,
    stdout: () => s.output.stdout,
    stderr: () => s.output.stderr,
    async waitForStdout(pattern, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const m = pattern.exec(s.output.stdout);
        if (m) return m;
        if (Date.now() > until) throw new Error(`stdout never matched ${pattern}:\n${s.output.stdout}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (!status) s.child.kill(signal);
      return s.exited;
    },
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (status) {
      throw new Error(
        `steward server exited before it was ready (code ${status.code}, signal ${status.signal}).\n` +
          `stdout:\n${server.stdout()}\nstderr:\n${server.stderr()}`,
      );
    }
    try {
      const probe = https ? (existsSync(certFile) ? trustingFetch({ caFile: certFile }) : undefined) : fetch;
      const res = await probe?.(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res?.status === 200) return server;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.stop('SIGKILL');
  throw new Error(
    `steward server did not become ready within the timeout.\nstdout:\n${server.stdout()}\nstderr:\n${server.stderr()}`,
  );
}

/** Runs `steward <args>` to its end (for start-ups that must fail) and returns its exit and output. */
export async function runSteward(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<ExitStatus & { stdout: string; stderr: string }> {
  const s = spawnSteward(args, baseEnv(env), tempDir('steward-logs-'), `run-${process.pid}-${++counter}`);
  const timer = setTimeout(() => s.child.kill('SIGKILL'), timeoutMs);
  const status = await s.exited;
  clearTimeout(timer);
  return { ...status, stdout: s.output.stdout, stderr: s.output.stderr };
}

export const ONE_TIME_PASSWORD_LINE = /One-time password: (\S+)/;

/** The one-time password from the bootstrap block a first start prints on stdout. */
export async function oneTimePasswordOf(server: ServerProcess): Promise<string> {
  return (await server.waitForStdout(ONE_TIME_PASSWORD_LINE))[1]!;
}

/** Calls the API with an optional bearer token and JSON body; returns the status and parsed body. */
export async function api<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/**
 * Signs in with a one-time password and replaces it with `newPassword`, as a first sign-in would; returns the
 * token (it stays valid after the change).
 */
export async function activateUser(
  baseUrl: string,
  username: string,
  oneTimePassword: string,
  newPassword: string,
): Promise<string> {
  const login = await api<{ token: string }>(baseUrl, 'POST', '/api/v1/auth/login', {
    body: { username, password: oneTimePassword },
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  const change = await api(baseUrl, 'POST', '/api/v1/me/password', {
    token: login.body.token,
    body: { currentPassword: oneTimePassword, newPassword },
  });
  if (change.status !== 200)
    throw new Error(`password change failed: ${change.status} ${JSON.stringify(change.body)}`);
  return login.body.token;
}

/** The bootstrap administrator, activated with `newPassword` (see activateUser). */
export function signInAsBootstrapAdmin(
  baseUrl: string,
  oneTimePassword: string,
  newPassword: string,
): Promise<string> {
  return activateUser(baseUrl, 'admin', oneTimePassword, newPassword);
}

/** A user of `role` made by an administrator and activated with `password`; returns the user's token. */
export async function createActiveUser(
  baseUrl: string,
  adminToken: string,
  user: { username: string; role: string; password: string },
): Promise<string> {
  const oneTime = `${user.username} one-time password`;
  const made = await api(baseUrl, 'POST', '/api/v1/users', {
    token: adminToken,
    body: { username: user.username, role: user.role, password: oneTime },
  });
  if (made.status !== 201)
    throw new Error(`user creation failed: ${made.status} ${JSON.stringify(made.body)}`);
  return activateUser(baseUrl, user.username, oneTime, user.password);
}

/** Signs in with a known password and returns the token. */
export async function signIn(baseUrl: string, username: string, password: string): Promise<string> {
  const login = await api<{ token: string }>(baseUrl, 'POST', '/api/v1/auth/login', {
    body: { username, password },
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return login.body.token;
}
