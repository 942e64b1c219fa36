// Command channel transport: runs the channel's program directly (no shell) with its argument templates
// rendered from the alert fields, a minimal environment and a time limit. It sends no message (R41).
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { basename, parse } from 'node:path';
import type { CommandChannelSettings } from '../../contract/notify-channel-kinds.js';
import { firstLine } from './http-delivery.js';
import type { SendResult, Transport } from './transport.js';

export interface CommandTransportOptions {
  /** PATH of the program: the only variable of its environment. Default the usual system directories. */
  path?: string;
  /** Bytes of standard output and of standard error kept for the result; the rest is read and dropped. */
  maxOutputBytes?: number;
  /** After the time limit: how long between SIGTERM and SIGKILL, in milliseconds. Default 2 s. */
  killGraceMs?: number;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const DEFAULT_MAX_OUTPUT = 64 * 1024;

// The template tokens of R40, in the forms validateTemplate accepts (the channel schema checked them).
const TOKEN =
  /\$(Data|UrlEncodeData|Target)(?:\[Default=(?:'([^'\r\n]*)'|"([^"\r\n]*)")\])?((?:\/(?:[\w.]|\[[^\]\r\n]*\])+)+)\$/g;

/**
 * Renders one argument template from the alert fields of an outgoing message. `fields` are keyed by the
 * field name of `$Data/Context/DataItem/<Field>$` (AlertName, Severity, …); `$Target/…/WebConsoleUrl$` and
 * `…/PrincipalName$` read `WebConsoleUrl` and `PrincipalName`, `$Data/Recipients/To/Address/Address$` reads
 * `RecipientAddress`. A field without a value renders as its default, or '' (DESIGN Q6).
 */
export function renderCommandArgument(template: string, fields: Readonly<Record<string, string>>): string {
  return template.replace(
    TOKEN,
    (_whole, head: string, quoted1: string | undefined, quoted2: string | undefined, path: string) => {
      const fallback = quoted1 ?? quoted2 ?? '';
      const name =
        head === 'Target'
          ? /\/(WebConsoleUrl|PrincipalName)$/.exec(path)?.[1]
          : path === '/Recipients/To/Address/Address'
            ? 'RecipientAddress'
            : /^\/Context\/DataItem\/(\w+)$/.exec(path)?.[1];
      const value = name === undefined ? undefined : fields[name];
      if (value === undefined || value === '') return fallback;
      return head === 'UrlEncodeData' ? encodeURIComponent(value) : value;
    },
  );
}

const holdsFields = (template: string) => new RegExp(TOKEN.source).test(template);

/**
 * The program's arguments, so that alert text never becomes one of its options: an argument whose leading
 * "-" came from alert text is refused, or every argument from the first that holds alert fields comes after
 * "--" (the end of options for getopt-style programs), as the channel says.
 */
export function commandArguments(
  settings: Pick<CommandChannelSettings, 'arguments' | 'alertTextArguments'>,
  fields: Readonly<Record<string, string>>,
): string[] | { refused: string } {
  const rendered = settings.arguments.map((t) => renderCommandArgument(t, fields));
  if (settings.alertTextArguments === 'after-double-dash') {
    const first = settings.arguments.findIndex(holdsFields);
    return first < 0 ? rendered : [...rendered.slice(0, first), '--', ...rendered.slice(first)];
  }
  const bad = rendered.findIndex((arg, i) => arg.startsWith('-') && !settings.arguments[i]!.startsWith('-'));
  if (bad >= 0)
    return {
      refused: `argument ${bad + 1} would start with "-" taken from the alert (it could pass an option to the program): not run; set alertTextArguments to after-double-dash if the program takes "--"`,
    };
  return rendered;
}

/** Collects up to `max` bytes of a stream and drops the rest, so a chatty program neither blocks nor floods. */
function capture(max: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    push(chunk: Buffer) {
      if (size >= max) return;
      chunks.push(chunk.subarray(0, max - size));
      size += Math.min(chunk.length, max - size);
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

interface RunOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  cancelled: boolean;
  spawnError?: string;
}

export function createCommandTransport(
  settings: CommandChannelSettings,
  opts: CommandTransportOptions = {},
): Transport {
  const program = basename(settings.applicationPath);
  const cwd = settings.workingDirectory ?? parse(process.cwd()).root;
  const timeoutMs = settings.timeoutSeconds * 1000;
  const maxOutput = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const killGraceMs = opts.killGraceMs ?? 2000;
  // A new process group on POSIX, so a timeout stops what the program started too.
  const ownGroup = process.platform !== 'win32';

  function run(args: string[], signal?: AbortSignal): Promise<RunOutcome> {
    return new Promise((resolve) => {
      const stdout = capture(maxOutput);
      const stderr = capture(maxOutput);
      let timedOut = false;
      let cancelled = false;
      let settled = false;
      const child = spawn(settings.applicationPath, args, {
        cwd,
        env: { PATH: opts.path ?? DEFAULT_PATH },
        shell: false,
        detached: ownGroup,
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
      });
      const kill = (sig: NodeJS.Signals) => {
        try {
          if (ownGroup && child.pid !== undefined) process.kill(-child.pid, sig);
          else child.kill(sig);
        } catch {
          // Already gone.
        }
      };
      let killTimer: NodeJS.Timeout | undefined;
      const stop = () => {
        kill('SIGTERM');
        killTimer = setTimeout(() => kill('SIGKILL'), killGraceMs);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, timeoutMs);
      const onAbort = () => {
        cancelled = true;
        stop();
      };
      signal?.addEventListener('abort', onAbort, { once: true });

      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      const finish = (spawnError?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(killTimer);
        clearTimeout(drainTimer);
        signal?.removeEventListener('abort', onAbort);
        resolve({
          code: exit?.code ?? null,
          signal: exit?.signal ?? null,
          stdout: stdout.text(),
          stderr: stderr.text(),
          timedOut,
          cancelled,
          spawnError,
        });
      };
      // Output may still be in the pipes when the program exits; a child it left behind may hold them
      // open for ever, so the wait for them is short.
      let drainTimer: NodeJS.Timeout | undefined;
      child.stdout.on('data', (c: Buffer) => stdout.push(c));
      child.stderr.on('data', (c: Buffer) => stderr.push(c));
      child.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
      child.on('exit', (code, sig) => {
        exit = { code, signal: sig };
        drainTimer = setTimeout(() => finish(), 250);
      });
      child.on('close', () => finish());
    });
  }

  return {
    async send(message, _target, _credential, signal): Promise<SendResult> {
      if (signal?.aborted)
        return { ok: false, retryable: true, reason: `cancelled before ${program} started` };
      const cwdStat = await stat(cwd).catch(() => undefined);
      if (!cwdStat?.isDirectory()) {
        return { ok: false, retryable: false, reason: `the working directory ${cwd} does not exist` };
      }
      const args = commandArguments(settings, message.fields);
      if (!Array.isArray(args)) return { ok: false, retryable: false, reason: args.refused };
      const started = Date.now();
      const r = await run(args, signal);
      const elapsed = `${Date.now() - started} ms`;
      if (r.spawnError) {
        return {
          ok: false,
          retryable: false,
          reason: `cannot run ${settings.applicationPath}: ${r.spawnError}`,
        };
      }
      if (r.cancelled)
        return { ok: false, retryable: true, reason: `${program} was stopped: the delivery was cancelled` };
      const errorLine = firstLine(r.stderr);
      const said = errorLine ? `: ${errorLine}` : '';
      // A program that ran may have acted already: running it again could act twice, so failures are final.
      if (r.timedOut) {
        return {
          ok: false,
          retryable: false,
          reason: `${program} did not finish within ${settings.timeoutSeconds} s and was stopped${said}`,
        };
      }
      if (r.code !== 0) {
        const how =
          r.code === null ? `was killed by ${r.signal ?? 'a signal'}` : `exited with code ${r.code}`;
        return { ok: false, retryable: false, reason: `${program} ${how}${said}` };
      }
      const out = firstLine(r.stdout);
      return { ok: true, detail: `${program} exited with code 0 after ${elapsed}${out ? `: ${out}` : ''}` };
    },
  };
}
