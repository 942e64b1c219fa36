// One job as an operating-system process: the runbook written to a temporary directory of its own, run by its
// language's interpreter in its own process group with a minimal environment (nothing of the host's but PATH),
// as an unprivileged user when the host runs as root; its lines become stream records, capped; stopping it
// ends the whole process tree.
import { spawn } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import {
  type JobStream,
  MAX_RECORD_CHARS,
  recordOfLine,
  STREAM_CAP_BYTES,
} from '../domain/automation/jobs.js';

export type RunbookLanguage = 'shell' | 'python' | 'node' | 'powershell';

export interface JobProcessSpec {
  type: RunbookLanguage;
  content: string;
  /** Parameter values: each is in `PARAM_<name>` (JSON for objects and arrays), all in `AUTOMATION_PARAMETERS`. */
  parameters: Record<string, unknown>;
  /** More variables for the job: the job-local endpoint and its token. */
  env: Record<string, string>;
  /** A `steward` command the job can call (`steward asset get …`): node and the entry script. */
  stewardCommand?: { node: string; script: string };
  tempRoot?: string;
  /** Bytes of stream text already written by an earlier run of the same job (a restart). */
  streamBytesBefore?: number;
}

export interface JobRecord {
  stream: JobStream;
  text: string;
  at: Date;
}

export interface JobOutcome {
  /** The exit code; null when a signal ended it or it never started. */
  exitCode: number | null;
  /** Why it did not run or did not end by itself: the interpreter is missing, it was stopped. */
  error?: string;
  stopped: boolean;
  streamBytes: number;
}

export interface JobProcess {
  readonly done: Promise<JobOutcome>;
  /** Ends the process tree: SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): void;
}

const interpreters: Record<
  RunbookLanguage,
  { command: string; file: string; args: (f: string) => string[] }
> = {
  shell: { command: 'bash', file: 'runbook.sh', args: (f) => [f] },
  python: { command: 'python3', file: 'runbook.py', args: (f) => ['-u', f] },
  node: { command: process.execPath, file: 'runbook.mjs', args: (f) => [f] },
  powershell: {
    command: 'pwsh',
    file: 'runbook.ps1',
    args: (f) => ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', f],
  },
};

/** Whether any user may run this file: it and every directory above it are executable by others. */
function runnableByOthers(path: string): boolean {
  try {
    for (let p = path; p !== dirname(p); p = dirname(p)) if ((statSync(p).mode & 0o001) === 0) return false;
    return true;
  } catch {
    return false;
  }
}

/**
 * The full path of a command on PATH, or undefined. `forOthers`: one an unprivileged user may run too (a
 * root-only install, under /root, does not count).
 */
export function findOnPath(
  command: string,
  path = process.env.PATH ?? '',
  forOthers = false,
): string | undefined {
  const candidates = command.includes('/')
    ? [command]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  for (const full of candidates) {
    try {
      accessSync(full, constants.X_OK);
      if (!forOthers || runnableByOthers(realpathSync(full))) return full;
    } catch {}
  }
  return undefined;
}

/** The uid and gid of `nobody`, when this process runs as root: jobs never run as root. */
const UNPRIVILEGED = { uid: 65_534, gid: 65_534 };
const runsAsRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Runs the runbook (its arguments) in the process group this shell leads, and ends the whole group when its
 * standard input closes: the host that started the job died (even killed outright), so the job cannot run on
 * beside the copy another server starts. The runbook's own standard input is empty.
 */
const SUPERVISOR = [
  // A background command's stdin is /dev/null unless redirected: keep the lifeline on fd 3 for the watcher.
  'exec 3<&0',
  '"$@" </dev/null 3<&- &',
  'job=$!',
  '(read -r _ <&3; kill -s KILL 0) &',
  'watch=$!',
  'wait "$job"',
  'code=$?',
  'kill "$watch" 2>/dev/null',
  'exit "$code"',
].join('\n');

const paramValue = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function startJobProcess(spec: JobProcessSpec, onRecord: (r: JobRecord) => void): JobProcess {
  const lang = interpreters[spec.type];
  const asRoot = runsAsRoot();
  const hostPath = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  // This process's own node may sit where only root reaches (an npx download under /root): any user's then.
  const anyNode = () => findOnPath('node', hostPath, asRoot);
  const command =
    findOnPath(lang.command, hostPath, asRoot) ?? (spec.type === 'node' ? anyNode() : undefined);
  let bytes = spec.streamBytesBefore ?? 0;
  let capped = bytes >= STREAM_CAP_BYTES;
  const emit = (stream: JobStream, text: string) => {
    if (capped) return;
    const size = Buffer.byteLength(text, 'utf8');
    if (bytes + size > STREAM_CAP_BYTES) {
      capped = true;
      onRecord({
        stream: 'warning',
        text: `The job's streams reached their limit of ${STREAM_CAP_BYTES} bytes: the rest of its output is dropped.`,
        at: new Date(),
      });
      return;
    }
    bytes += size;
    onRecord({ stream, text, at: new Date() });
  };
  if (!command) {
    const what = spec.type === 'powershell' ? 'PowerShell (pwsh)' : lang.command;
    return {
      done: Promise.resolve({
        exitCode: null,
        error: `${what} is not installed on this worker: a ${spec.type} runbook cannot run here`,
        stopped: false,
        streamBytes: bytes,
      }),
      stop: () => undefined,
    };
  }

  const dir = mkdtempSync(join(spec.tempRoot ?? tmpdir(), 'steward-job-'));
  const binDir = join(dir, 'bin');
  mkdirSync(binDir);
  const file = join(dir, lang.file);
  writeFileSync(file, spec.content, { mode: 0o600 });
  const stewardNode =
    spec.stewardCommand && (findOnPath(spec.stewardCommand.node, hostPath, asRoot) ?? anyNode());
  if (spec.stewardCommand && stewardNode) {
    const shim = `#!/bin/sh\nexec '${stewardNode}' '${spec.stewardCommand.script}' "$@"\n`;
    writeFileSync(join(binDir, 'steward'), shim, { mode: 0o755 });
  }
  if (asRoot) {
    for (const p of [dir, binDir, file]) chownSync(p, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
    chmodSync(dir, 0o700);
  }
  const env: Record<string, string> = {
    PATH: `${binDir}${delimiter}${hostPath}`,
    HOME: dir,
    TMPDIR: dir,
    LANG: 'C.UTF-8',
    AUTOMATION_PARAMETERS: JSON.stringify(spec.parameters),
    ...Object.fromEntries(Object.entries(spec.parameters).map(([k, v]) => [`PARAM_${k}`, paramValue(v)])),
    ...spec.env,
  };
  const child = spawn('/bin/sh', ['-c', SUPERVISOR, 'steward-job', command, ...lang.args(file)], {
    cwd: dir,
    env,
    detached: true,
    // stdin: the lifeline. Nothing is written to it; it closes when this process ends, however it ends.
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(asRoot ? UNPRIVILEGED : {}),
  });

  const lines = (from: 'stdout' | 'stderr') => {
    const decoder = new StringDecoder('utf8');
    let partial = '';
    const flush = (line: string) => {
      const clean = line.endsWith('\r') ? line.slice(0, -1) : line;
      for (let i = 0; i < clean.length || i === 0; i += MAX_RECORD_CHARS) {
        const r = recordOfLine(from, clean.slice(i, i + MAX_RECORD_CHARS));
        emit(r.stream, r.text);
        if (clean.length === 0) break;
      }
    };
    return {
      data(chunk: Buffer) {
        partial += decoder.write(chunk);
        let nl = partial.indexOf('\n');
        while (nl >= 0) {
          flush(partial.slice(0, nl));
          partial = partial.slice(nl + 1);
          nl = partial.indexOf('\n');
        }
        // A line without end, longer than a record: cut it now rather than hold it all.
        while (partial.length > MAX_RECORD_CHARS) {
          flush(partial.slice(0, MAX_RECORD_CHARS));
          partial = partial.slice(MAX_RECORD_CHARS);
        }
      },
      end() {
        partial += decoder.end();
        if (partial) flush(partial);
        partial = '';
      },
    };
  };
  const out = lines('stdout');
  const err = lines('stderr');
  child.stdout.on('data', (c: Buffer) => out.data(c));
  child.stderr.on('data', (c: Buffer) => err.data(c));

  let stopped = false;
  let killTimer: NodeJS.Timeout | undefined;
  const signalTree = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {}
  };

  const done = new Promise<JobOutcome>((resolve) => {
    let spawnError: string | undefined;
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = `the ${spec.type} interpreter could not be started (${e.code ?? 'error'})`;
    });
    child.on('close', (code) => {
      out.end();
      err.end();
      if (killTimer) clearTimeout(killTimer);
      // Anything the runbook left running in its group goes with it.
      signalTree('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      resolve({
        exitCode: code,
        ...(spawnError ? { error: spawnError } : {}),
        stopped,
        streamBytes: bytes,
      });
    });
  });

  return {
    done,
    stop(graceMs = 5000) {
      if (stopped) return;
      stopped = true;
      signalTree('SIGTERM');
      killTimer = setTimeout(() => signalTree('SIGKILL'), graceMs);
      killTimer.unref();
    },
  };
}
