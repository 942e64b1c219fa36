// Proves a job process on its own: lines become records of the right streams, long lines are cut, the streams
// stop at 1 MiB with one marker, stop ends the whole process tree, and a job whose host is killed outright
// (SIGKILL, no chance to clean up) ends with it rather than run on.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_RECORD_CHARS, STREAM_CAP_BYTES } from '../domain/automation/jobs.js';
import { type JobRecord, startJobProcess } from './job-process.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function run(content: string, type: 'shell' | 'node' = 'shell') {
  const records: JobRecord[] = [];
  const p = startJobProcess({ type, content, parameters: {}, env: {} }, (r) => records.push(r));
  return { outcome: await p.done, records };
}

describe('job process', () => {
  it('cuts a long line into records and stops the streams at 1 MiB with one marker', async () => {
    const { outcome, records } = await run(
      `const line = 'x'.repeat(${MAX_RECORD_CHARS * 2 + 5}); console.log(line); for (let i = 0; i < 200; i++) console.log('y'.repeat(10000));`,
      'node',
    );
    expect(outcome).toMatchObject({ exitCode: 0, stopped: false });
    expect(records.slice(0, 3).map((r) => r.text.length)).toEqual([MAX_RECORD_CHARS, MAX_RECORD_CHARS, 5]);
    const markers = records.filter((r) => r.stream === 'warning');
    expect(markers).toHaveLength(1);
    expect(markers[0]!.text).toContain('limit');
    const bytes = records.filter((r) => r.stream === 'output').reduce((n, r) => n + r.text.length, 0);
    expect(bytes).toBeLessThanOrEqual(STREAM_CAP_BYTES);
    expect(bytes).toBeGreaterThan(STREAM_CAP_BYTES - 10_001);
    expect(outcome.streamBytes).toBe(bytes);
  });

  it('stop ends the runbook and what it started in the background', async () => {
    const records: JobRecord[] = [];
    const p = startJobProcess(
      { type: 'shell', content: 'sleep 60 &\necho $!\nwait', parameters: {}, env: {} },
      (r) => records.push(r),
    );
    await expect.poll(() => records.length, { timeout: 10_000 }).toBe(1);
    const bg = Number(records[0]!.text);
    expect(alive(bg)).toBe(true);
    p.stop();
    expect(await p.done).toMatchObject({ stopped: true });
    await expect.poll(() => alive(bg), { timeout: 5_000 }).toBe(false);
  });

  it('a job whose host is killed outright ends with it', async () => {
    const entry = new URL('../../dist/automation/job-process.js', import.meta.url).pathname;
    expect(existsSync(entry), 'npm test builds dist/ first').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'job-host-'));
    // A host that starts a job writing its pid, then waits forever.
    const host = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { startJobProcess } from ${JSON.stringify(entry)};
         startJobProcess({ type: 'shell', content: 'echo $$; sleep 60', parameters: {}, env: {} },
           (r) => console.log(r.text));
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], cwd: dir },
    );
    let out = '';
    host.stdout.on('data', (c) => {
      out += c;
    });
    await expect.poll(() => out.trim(), { timeout: 10_000 }).toMatch(/^\d+$/);
    const runbook = Number(out.trim());
    expect(alive(runbook)).toBe(true);
    host.kill('SIGKILL');
    await expect.poll(() => alive(runbook), { timeout: 5_000 }).toBe(false);
  });

  it.runIf(process.getuid?.() === 0)(
    'runs as nobody when its host runs as root, in a directory of its own that is gone afterwards, seeing only its own environment',
    async () => {
      const { outcome, records } = await run('id -u\nid -g\npwd\nenv | cut -d= -f1 | sort | tr "\\n" " "');
      expect(outcome).toMatchObject({ exitCode: 0 });
      const [uid, gid, dir, names] = records.map((r) => r.text);
      expect([uid, gid]).toEqual(['65534', '65534']);
      expect(dir).toMatch(/steward-job-/);
      expect(existsSync(dir!)).toBe(false);
      // What the shell itself adds (PWD, SHLVL, _) aside, nothing of the host's but PATH.
      const seen = names!
        .trim()
        .split(' ')
        .filter((n) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(n));
      expect(seen).toEqual(['AUTOMATION_PARAMETERS', 'HOME', 'LANG', 'PATH', 'TMPDIR']);
    },
  );

  it('fails with a clear message when the interpreter is not installed', async () => {
    const p = startJobProcess(
      { type: 'powershell', content: 'Write-Output 1', parameters: {}, env: {} },
      () => undefined,
    );
    const outcome = await p.done;
    if (outcome.exitCode === null)
      expect(outcome.error).toContain('PowerShell (pwsh) is not installed on this worker');
  });
});
