// Proves jobs with real processes: a real server and the real CLI create an automation account, a credential
// asset and runbooks in shell, python and node, run them as cloud jobs (`runbook start --wait` prints the output
// and exits with the outcome), follow a running job's streams and stop it; the credential's password appears in
// no output, response or audit record. Then two servers on one PostgreSQL database: the server running a
// cloud job is killed, and the job finishes on the other — never lost, never running twice at once.
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCliProcess } from '../support/cli-process.js';
import {
  api,
  oneTimePasswordOf,
  type ServerProcess,
  signInAsBootstrapAdmin,
  startServer,
} from '../support/server-process.js';
import { createRequiredPostgresDatabase } from '../support/test-database.js';

const PASSWORD = 'jobs e2e admin password';
const CREDENTIAL_PASSWORD = 'E2e-Job-Cr3d!pw';

let running: ServerProcess[] = [];
afterEach(async () => {
  for (const s of running) await s.stop('SIGKILL');
  running = [];
});

describe('cloud jobs from the command line', () => {
  it('runs shell, python and node runbooks, follows and stops a job, and keeps a credential password out of everything', async () => {
    const server = await startServer({ env: { STEWARD_LOG_LEVEL: 'warn' } });
    running.push(server);
    const token = await signInAsBootstrapAdmin(server.url, await oneTimePasswordOf(server), PASSWORD);
    const env = { STEWARD_URL: server.url, STEWARD_TOKEN: token };
    const steward = (args: string[], input = '') => runCliProcess(args, env, input);
    const ok = async (args: string[], input = '') => {
      const r = await steward(args, input);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };

    await ok(['automation', 'account', 'create', 'ops']);
    await ok(
      [
        'asset',
        'set',
        'credential',
        'SqlAdmin',
        '--account',
        'ops',
        '--user',
        'CONTOSO\\sql',
        '--secret-stdin',
      ],
      `${CREDENTIAL_PASSWORD}\n`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'steward-runbooks-'));
    const files: Record<string, string> = {
      'hello.sh': 'echo "hello $PARAM_Name"\necho "WARNING: low disk" >&2\n',
      'double.py': 'import os, json\nprint(json.loads(os.environ["AUTOMATION_PARAMETERS"])["N"] * 2)\n',
      'double.mjs': 'console.log(JSON.parse(process.env.AUTOMATION_PARAMETERS).N * 2)\n',
      'cred.sh':
        "steward asset get credential SqlAdmin | python3 -c \"import sys,json; c=json.load(sys.stdin); print(c['userName'], len(c['password']))\"\n",
      'fails.sh': 'echo "cannot reach db01" >&2\nexit 4\n',
      'slow.sh': 'i=1; while [ $i -le 60 ]; do echo "tick $i"; i=$((i + 1)); sleep 1; done\n',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const create = async (name: string, file: string, params?: unknown[]) => {
      const args = ['runbook', 'import', join(dir, file), '--account', 'ops', '--name', name];
      if (params) {
        writeFileSync(join(dir, `${name}.params.json`), JSON.stringify(params));
        args.push('--parameters-file', join(dir, `${name}.params.json`));
      }
      await ok(args);
      await ok(['runbook', 'publish', name, '--account', 'ops']);
    };
    await create('Hello', 'hello.sh', [{ name: 'Name', type: 'string', required: true }]);
    await create('Double-Py', 'double.py', [{ name: 'N', type: 'int', required: true }]);
    await create('Double-Node', 'double.mjs', [{ name: 'N', type: 'int', required: true }]);
    await create('Cred', 'cred.sh');
    await create('Fails', 'fails.sh');
    await create('Slow', 'slow.sh');

    const hello = await ok([
      'runbook',
      'start',
      'Hello',
      '--account',
      'ops',
      '--param',
      'Name=world',
      '--wait',
    ]);
    expect(hello.stdout).toBe('hello world\n');
    expect(hello.stderr).toContain('WARNING: low disk');
    expect(
      (await ok(['runbook', 'start', 'Double-Py', '--account', 'ops', '--param', 'N=21', '--wait'])).stdout,
    ).toBe('42\n');
    expect(
      (await ok(['runbook', 'start', 'Double-Node', '--account', 'ops', '--param', 'N=4', '--wait'])).stdout,
    ).toBe('8\n');
    expect((await ok(['runbook', 'start', 'Cred', '--account', 'ops', '--wait'])).stdout).toBe(
      `CONTOSO\\sql ${CREDENTIAL_PASSWORD.length}\n`,
    );
    const failed = await steward(['runbook', 'start', 'Fails', '--account', 'ops', '--wait']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('Failed: cannot reach db01');

    // Follow a running job, then stop it.
    const started = JSON.parse((await ok(['runbook', 'start', 'Slow', '--account', 'ops', '--json'])).stdout);
    const follow = steward(['job', 'logs', started.id, '--follow']);
    await expect
      .poll(async () => JSON.parse((await ok(['job', 'show', started.id, '--json'])).stdout).status, {
        timeout: 20_000,
      })
      .toBe('Running');
    await new Promise((r) => setTimeout(r, 2500));
    await ok(['job', 'stop', started.id]);
    const followed = await follow;
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/^tick 1\ntick 2\n/);
    // Stopped long before its sixty ticks, however slow the machine is today.
    expect(followed.stdout).not.toContain('tick 60');
    const stopped = JSON.parse((await ok(['job', 'show', started.id, '--json'])).stdout);
    expect(stopped).toMatchObject({ status: 'Stopped', statusReason: 'stopped by request' });

    const jobs = await ok(['job', 'list', '--account', 'ops', '--json']);
    expect(JSON.parse(jobs.stdout).items).toHaveLength(6);
    const audit = await api<unknown>(server.url, 'GET', '/api/v1/audit?limit=1000', { token });
    const serverLog = `${server.stdout()}${server.stderr()}`;
    for (const text of [jobs.stdout, JSON.stringify(audit.body), serverLog])
      expect(text).not.toContain(CREDENTIAL_PASSWORD);
  }, 120_000);
});

describe('the server running a cloud job killed', () => {
  it('has the job finish on the other server, restarted once, never running twice at once', async () => {
    const database = await createRequiredPostgresDatabase();
    try {
      const start = async (name: string) => {
        const s = await startServer({
          env: {
            DATABASE_URL: database.url,
            STEWARD_SERVER_NAME: name,
            STEWARD_LOG_LEVEL: 'warn',
            STEWARD_HEARTBEAT_SECONDS: '1',
            STEWARD_SERVER_TIMEOUT_SECONDS: '3',
            STEWARD_POOL_LEASE_SECONDS: '3',
          },
        });
        running.push(s);
        return s;
      };
      const a = await start('server-a');
      const token = await signInAsBootstrapAdmin(a.url, await oneTimePasswordOf(a), PASSWORD);
      const b = await start('server-b');
      const post = async <T>(url: string, path: string, body: unknown) => {
        const res = await api<T>(url, 'POST', path, { token, body });
        expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
        return res.body;
      };
      // Each run of the job writes when it starts and ends, in a file any user may write.
      const shared = mkdtempSync(join(tmpdir(), 'steward-job-runs-'));
      chmodSync(shared, 0o777);
      const log = join(shared, 'runs.log');
      const account = await post<{ id: string }>(a.url, '/api/v1/automation-accounts', { name: 'failover' });
      const rb = await post<{ id: string }>(a.url, `/api/v1/automation-accounts/${account.id}/runbooks`, {
        name: 'Long',
        type: 'shell',
        content: `echo "start $$ $(date +%s%N)" >> ${log}\nfor i in $(seq 1 8); do echo "step $i"; sleep 0.5; done\necho "end $$ $(date +%s%N)" >> ${log}\n`,
      });
      await post(a.url, `/api/v1/runbooks/${rb.id}/publish`, {});
      const job = await post<{ id: string }>(a.url, `/api/v1/runbooks/${rb.id}/jobs`, {});

      const get = async (url: string) =>
        (
          await api<{ status: string; restarts: number; statusReason: string | null }>(
            url,
            'GET',
            `/api/v1/jobs/${job.id}`,
            { token },
          )
        ).body;
      await expect.poll(async () => (await get(a.url)).status, { timeout: 20_000 }).toBe('Running');
      await expect
        .poll(() => (existsSync(log) ? (readFileSync(log, 'utf8').match(/^start/gm) ?? []).length : 0), {
          timeout: 10_000,
        })
        .toBe(1);
      // The server running it (the holder of the Automation Pool: the one with the job's process) is killed.
      const runner = [a, b].find((s) => hasChild(s.pid));
      expect(runner, 'a server runs the job').toBeDefined();
      const survivor = runner === a ? b : a;
      await runner!.stop('SIGKILL');

      await expect
        .poll(async () => (await get(survivor.url)).status, { timeout: 60_000, interval: 500 })
        .toBe('Completed');
      const done = await get(survivor.url);
      expect(done.restarts).toBe(1);
      expect(done.statusReason).toBeNull();
      // The first run ended with its server (no "end"); the second ran whole, after it.
      const runs = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' '));
      expect(runs.map((r) => r[0])).toEqual(['start', 'start', 'end']);
      expect(runs[2]![1]).toBe(runs[1]![1]);
    } finally {
      await database.drop();
    }
  }, 150_000);
});

/** Whether a process has a child (the server running a job has its shell). */
function hasChild(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().length > 0;
  } catch {
    return false;
  }
}
