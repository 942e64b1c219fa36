// Proves `steward worker-group update|delete|remove-agent` and `steward job resume` in process against a listening
// app with really enrolled agents: a group is renamed and given, then cleared of, a Run As account named by its
// account name (table, fields and --json outputs; audited); an update with no change or an unknown account is
// refused with nothing changed; an agent is removed by computer name and by agent id (audited), one not in the
// group is refused; a group with a job that has not ended cannot be deleted (the message names the job), then is;
// a job an agent claimed and went silent on is Suspended, refused resumption while it runs, for a read-only
// operator and once queued, and resumed by an operator prints it Queued again (audited).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../../test/support/cli-in-process.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { type AgentApi, createAgentApi } from '../../agent/agent-api.js';
import { loadOrCreateIdentity } from '../../agent/agent-identity.js';
import { exitCodeFor } from '../../contract/errors.js';

let t: TestApp;
let url: string;
let runAs: string;
let runbookId: string;
const dir = mkdtempSync(join(tmpdir(), 'steward-worker-group-cli-'));
const A = 'wgcli-a.contoso.com';
const B = 'wgcli-b.contoso.com';
const agents: Record<string, { api: AgentApi; id: string }> = {};

async function enroll(computerName: string) {
  const token = (
    await t.request({
      method: 'POST',
      url: '/api/v1/agents/enrollment-tokens',
      token: t.adminToken,
      body: { computerName },
    })
  ).json().token;
  const api = createAgentApi({ server: url, identity: loadOrCreateIdentity(join(dir, computerName)) });
  await api.enroll({ computerName, token });
  agents[computerName] = { api, id: api.agentId! };
}

async function post(path: string, body: unknown) {
  const res = await t.request({ method: 'POST', url: path, token: t.adminToken, body });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json();
}

beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  await enroll(A);
  await enroll(B);
  runAs = (
    await post('/api/v1/accounts', {
      name: 'svc-wgcli',
      credential: { type: 'windows', userName: 'svc-wgcli', domain: 'CONTOSO', password: 'wgcli-Pw-4410' },
    })
  ).id;
  const account = (await post('/api/v1/automation-accounts', { name: 'wgcli' })).id;
  runbookId = (
    await post(`/api/v1/automation-accounts/${account}/runbooks`, {
      name: 'Echo',
      type: 'shell',
      content: 'echo hi',
    })
  ).id;
  await post(`/api/v1/runbooks/${runbookId}/publish`, undefined);
}, 30_000);

afterAll(async () => {
  await t.app.runtime.stop();
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const steward = (args: string[], token = t.adminToken) =>
  runCliInProcess(args, { STEWARD_URL: url, STEWARD_TOKEN: token, HOME: dir });
const ok = async (args: string[], token = t.adminToken) => {
  const r = await steward(args, token);
  expect(r.code, r.err).toBe(0);
  return r.out;
};
const json = async (args: string[], token = t.adminToken) => JSON.parse(await ok([...args, '--json'], token));
const auditOf = (target: string, kind: string) =>
  t.database.query<{ actor: string; details: Record<string, unknown> }>(
    'SELECT actor, details FROM audit_log WHERE target = $1 AND kind = $2 ORDER BY seq',
    [target, kind],
  );

/** The job's agent is not heard from for ten minutes: the server's job pass suspends it. */
async function silence(jobId: string) {
  await t.database.query(
    `UPDATE automation_jobs SET heartbeat_at = now() - interval '10 minutes' WHERE id = $1`,
    [jobId],
  );
  await t.app.runtime.leases.renew();
  await t.app.runtime.runJobs();
}

describe('steward worker-group update', () => {
  it('renames a group and sets, then clears, its Run As account by account name; audited', async () => {
    const made = await json(['worker-group', 'create', 'Build-Workers']);
    const renamed = await ok([
      'worker-group',
      'update',
      'Build-Workers',
      '--name',
      'Release-Workers',
      '--run-as',
      'svc-wgcli',
    ]);
    expect(renamed.trim()).toBe(`Updated hybrid worker group Release-Workers (${made.id}).`);
    const row = (await ok(['worker-group', 'list'])).split('\n').find((l) => l.startsWith(made.id));
    expect(row).toMatch(new RegExp(`^${made.id}\\s+Release-Workers\\s+0\\s+0\\s+${runAs}$`));
    expect(await ok(['worker-group', 'show', made.id])).toMatch(new RegExp(`Run As account:\\s+${runAs}`));
    expect(await steward(['worker-group', 'show', 'Build-Workers'])).toMatchObject({
      code: exitCodeFor('NOT_FOUND'),
    });

    const cleared = await json([
      'worker-group',
      'update',
      'Release-Workers',
      '--no-run-as',
      '--description',
      'ships',
    ]);
    expect(cleared).toMatchObject({
      id: made.id,
      name: 'Release-Workers',
      description: 'ships',
      runAsAccountId: null,
    });
    expect(await ok(['worker-group', 'list'])).toMatch(/Release-Workers\s+0\s+0\s+\(agent’s own account\)/);

    const audit = await auditOf(made.id, 'worker-group.update');
    expect(audit.map((a) => a.details)).toEqual([
      { changed: ['name', 'runAsAccountId'], name: 'Release-Workers', runAsAccountId: runAs },
      { changed: ['description', 'runAsAccountId'], name: 'Release-Workers', runAsAccountId: null },
    ]);
    expect(audit.every((a) => a.actor.startsWith('user:administrator-'))).toBe(true);
  });

  it('refuses an update with no change, an unknown account and an operator, changing nothing', async () => {
    const before = await json(['worker-group', 'show', 'Release-Workers']);
    const none = await steward(['worker-group', 'update', 'Release-Workers']);
    expect(none.code).toBe(exitCodeFor('VALIDATION_FAILED'));
    expect(none.err).toContain('Give at least one change');
    const unknown = await steward(['worker-group', 'update', 'Release-Workers', '--run-as', 'svc-nobody']);
    expect(unknown.code).toBe(exitCodeFor('NOT_FOUND'));
    expect(unknown.err).toContain("Run As account 'svc-nobody' was not found");
    const operator = await steward(
      ['worker-group', 'update', 'Release-Workers', '--name', 'Taken-Over'],
      await t.tokenFor('operator'),
    );
    expect(operator.code).toBe(exitCodeFor('FORBIDDEN'));
    expect(await json(['worker-group', 'show', 'Release-Workers'])).toEqual(before);
    expect(await auditOf(before.id, 'worker-group.update')).toHaveLength(2);
  });
});

describe('steward worker-group remove-agent', () => {
  it('removes an agent by computer name and by agent id; audited; one not in the group is refused', async () => {
    const g = await json(['worker-group', 'create', 'Pair-Workers']);
    await ok(['worker-group', 'add-agent', 'Pair-Workers', A]);
    await ok(['worker-group', 'add-agent', 'Pair-Workers', agents[B]!.id]);

    const byName = await ok(['worker-group', 'remove-agent', 'Pair-Workers', A]);
    expect(byName.trim()).toBe(`Removed ${A} from Pair-Workers: 1 agent(s).`);
    const byId = await json(['worker-group', 'remove-agent', g.id, agents[B]!.id]);
    expect(byId).toMatchObject({ id: g.id, workers: [] });

    const again = await steward(['worker-group', 'remove-agent', 'Pair-Workers', A]);
    expect(again.code).toBe(exitCodeFor('NOT_FOUND'));
    expect(again.err).toContain(`Agent '${A}' is not in hybrid worker group 'Pair-Workers'`);
    expect((await auditOf(g.id, 'worker-group.remove-agent')).map((a) => a.details)).toEqual([
      { agent: agents[A]!.id, computerName: A },
      { agent: agents[B]!.id, computerName: B },
    ]);
  });
});

describe('steward job resume and steward worker-group delete', () => {
  it('refuses to delete a group whose job has not ended; resumes the job once Suspended; then deletes', async () => {
    const g = await json(['worker-group', 'create', 'Jobs-Workers']);
    await ok(['worker-group', 'add-agent', 'Jobs-Workers', A]);
    const jobId = (await post(`/api/v1/runbooks/${runbookId}/jobs`, { runOn: g.id })).id as string;
    expect((await agents[A]!.api.claimJobs({ max: 10 })).map((j) => j.job.id)).toEqual([jobId]);

    const running = await steward(['job', 'resume', jobId]);
    expect(running.code).toBe(exitCodeFor('CONFLICT'));
    expect(running.err).toContain(`Job '${jobId}' is Running, not Suspended`);

    const busy = await steward(['worker-group', 'delete', 'Jobs-Workers']);
    expect(busy.code).toBe(exitCodeFor('IN_USE'));
    expect(busy.err).toContain(`${jobId} Running`);
    expect(busy.err).toContain('stop them first');

    await silence(jobId);
    expect(await json(['job', 'show', jobId])).toMatchObject({
      status: 'Suspended',
      claimedBy: agents[A]!.id,
    });
    const reader = await steward(['job', 'resume', jobId], await t.tokenFor('read-only-operator'));
    expect(reader.code).toBe(exitCodeFor('FORBIDDEN'));
    expect((await json(['job', 'show', jobId])).status).toBe('Suspended');

    const operator = await t.tokenFor('operator');
    expect((await ok(['job', 'resume', jobId], operator)).trim()).toBe(`Job ${jobId} is Queued again.`);
    expect(await json(['job', 'show', jobId])).toMatchObject({
      status: 'Queued',
      restarts: 1,
      claimedBy: null,
    });
    const queued = await steward(['job', 'resume', jobId], operator);
    expect(queued.code).toBe(exitCodeFor('CONFLICT'));
    expect(queued.err).toContain('is Queued, not Suspended');

    // Claimed and suspended a second time: resumed with --json.
    expect((await agents[A]!.api.claimJobs({ max: 10 })).map((j) => j.job.id)).toEqual([jobId]);
    await silence(jobId);
    expect(await json(['job', 'resume', jobId], operator)).toMatchObject({
      id: jobId,
      status: 'Queued',
      restarts: 2,
    });
    const resumes = await auditOf(jobId, 'job.resume');
    expect(resumes).toHaveLength(2);
    expect(resumes[0]).toMatchObject({
      actor: expect.stringMatching(/^user:operator-/),
      details: { runOn: g.id, suspendedOn: agents[A]!.id },
    });

    expect((await steward(['worker-group', 'delete', 'Jobs-Workers'])).err).toContain(`${jobId} Queued`);
    expect(await json(['worker-group', 'show', g.id])).toMatchObject({ name: 'Jobs-Workers' });
    await ok(['job', 'stop', jobId]);
    const deleted = await ok(['worker-group', 'delete', 'Jobs-Workers']);
    expect(deleted.trim()).toBe(`Deleted hybrid worker group Jobs-Workers (${g.id}).`);
    expect((await steward(['worker-group', 'show', g.id])).code).toBe(exitCodeFor('NOT_FOUND'));
    expect(await auditOf(g.id, 'worker-group.delete')).toMatchObject([
      { actor: expect.stringMatching(/^user:administrator-/), details: { name: 'Jobs-Workers' } },
    ]);
  });
});
