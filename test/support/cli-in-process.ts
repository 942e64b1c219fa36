// Runs the CLI in this process with the environment and stdin given, capturing stdout, stderr and the exit code.
import { PassThrough } from 'node:stream';
import { contextFrom } from '../../src/cli/cli-context.js';
import { runCli } from '../../src/cli/main.js';

export async function runCliInProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin = '',
): Promise<{ code: number; out: string; err: string }> {
  const input = new PassThrough();
  input.end(stdin);
  let out = '';
  let err = '';
  const sink = (write: (s: string) => void) => {
    const s = new PassThrough();
    s.on('data', (c) => write(String(c)));
    return s;
  };
  const ctx = contextFrom({
    env,
    stdin: input,
    stdout: sink((s) => {
      out += s;
    }),
    stderr: sink((s) => {
      err += s;
    }),
  });
  const before = process.exitCode;
  process.exitCode = undefined;
  await runCli(['node', 'steward', ...args], ctx);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = before;
  // The sinks' last data events.
  await new Promise((r) => setImmediate(r));
  return { code, out, err };
}
