// Proves a fleet end to end: one real `steward server` and four real `steward agent` processes on loopback.
// Per-computer accounts of one profile (S1), per-object accounts on one host whose objects a discovery made
// (S2) and what happens when one is not distributed (R22, S5), a less-secure account reaching every agent
// with its logon-type alert (S6, R29), monitor and rule alerts, the heartbeat watcher (R46), the agent
// security boundary (foreign credentials, replayed and forged assertions, tampered envelopes, revocation),
// the default action account type check (R7, S17), a wrong password found by the agents' logon check and
// cleared by the corrected one (R30, S24), and no secret in any log or agent data directory.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentApi } from '../../src/agent/agent-api.js';
import { type AgentIdentity, loadIdentity } from '../../src/agent/agent-identity.js';
import { credentialAad } from '../../src/contract/agents.js';
import { ApiError } from '../../src/contract/client.js';
import {
  generateAgentKeys,
  openSealed,
  type SealedEnvelope,
  signAssertion,
} from '../../src/crypto/agent-keys.js';
import { type AgentProcess, filesUnder, startAgent } from '../support/agent-process.js';
import { deliveredIn } from '../support/audit.js';
import { assertCliBuilt } from '../support/cli-process.js';
import { type Stage, startStage, until as untilThen } from '../support/e2e-stage.js';
import { api, type ServerProcess, tempDir } from '../support/server-process.js';

const CREDENTIALS_NOT_FOUND = 'Health Service Credentials Not Found';
const HEARTBEAT_FAILURE = 'Health Service Heartbeat Failure';
const LOGON_TYPE = 'Run As Account Does Not Have Requested Logon Type';
const COULD_NOT_LOG_ON = 'Run As Account Could Not Log On';

const SECRETS = {
  acc1: 'fleet-acc1-pw-H7q2Lx',
  acc2: 'fleet-acc2-pw-Rr91Zk',
  acc3: 'fleet-acc3-pw-Bn40Wd',
  accX: 'fleet-accx-pw-Tq55Mv',
  accY: 'fleet-accy-pw-Ue83Pj',
  s5: 'fleet-s5-pw-Kc27Yo',
  action: 'fleet-action-pw-Xf62Sa',
  logon: 'fleet-logon-pw-Gm19Ce',
  wrongLogon: 'fleet-wrong-pw-Vd48Qa',
  basic: 'fleet-basic-pw-Lw73Nh',
  admin: 'fleet admin password 9',
} as const;

/** The OS user of the logon account: it exists on the agents' computer (this one), with no login shell. */
const LOGON_USER = 'steward-e2e-logon';

type Key = 'a' | 'b' | 'c' | 'd';
const KEYS: Key[] = ['a', 'b', 'c', 'd'];

interface Member {
  name: string;
  id: string;
  dir: string;
  agent: AgentProcess;
}

interface Result {
  computerId: string;
  workflowId: string;
  objectId: string;
  outcome: string;
  exitCode: number | null;
  accountId: string | null;
  stdout: string;
  startedAt: string;
  reportedAt: string;
  notRunSince: string | null;
}

interface Alert {
  id: string;
  name: string;
  description: string;
  severity: string;
  resolutionState: number;
  sourceObjectId: string | null;
  sourceKind: string;
  workflowId: string | null;
  custom: Record<string, string>;
  resolvedBy: string | null;
  timeRaised: string;
}

interface AuditRecord {
  actor: string;
  kind: string;
  target: string | null;
  details: Record<string, unknown>;
}

/** The pack: everything runs every second; `work` holds the files the test writes to steer the actions. */
const pack = (work: string) => `
id: E2E.Fleet
version: 1.0.0
references:
  - { id: Steward.Library, minVersion: 1.0.0 }
classes:
  - { id: E2E.Fleet.SqlInstance, baseClass: System.Application, hosted: true }
profiles:
  - { id: E2E.Fleet.Profile, contextClass: System.Computer }
  - { id: E2E.Fleet.SqlProfile, contextClass: E2E.Fleet.SqlInstance }
  - { id: E2E.Fleet.S5Profile, contextClass: System.Computer }
  - { id: E2E.Fleet.LogonProfile, contextClass: System.Computer }
workflows:
  - id: E2E.Fleet.W1
    kind: monitor
    target: System.Computer
    runAs: E2E.Fleet.Profile
    action: { type: command, command: [sh, -c, 'echo user=$STEWARD_RUNAS_USERNAME; test -n "$STEWARD_RUNAS_PASSWORD"'] }
    schedule: { cron: '* * * * * *' }
  - id: E2E.Fleet.W2
    kind: rule
    target: System.Computer
    runAs: E2E.Fleet.Profile
    action: { type: command, command: [sh, -c, 'echo user=$STEWARD_RUNAS_USERNAME; test -n "$STEWARD_RUNAS_PASSWORD"'] }
    schedule: { cron: '* * * * * *' }
  - id: E2E.Fleet.W3
    kind: discovery
    target: System.Computer
    runAs: E2E.Fleet.Profile
    action: { type: command, command: [sh, -c, 'echo user=$STEWARD_RUNAS_USERNAME; test -n "$STEWARD_RUNAS_PASSWORD"'] }
    schedule: { cron: '* * * * * *' }
  - id: E2E.Fleet.SqlDiscovery
    kind: discovery
    target: System.Computer
    action:
      type: script
      interpreter: sh
      script: |
        cat "${work}/discover-$STEWARD_OBJECT_ID" 2>/dev/null
        exit 0
    schedule: { cron: '* * * * * *' }
  - id: E2E.Fleet.SqlMonitor
    kind: monitor
    target: E2E.Fleet.SqlInstance
    runAs: E2E.Fleet.SqlProfile
    action: { type: command, command: [sh, -c, 'echo user=$STEWARD_RUNAS_USERNAME'] }
    schedule: { cron: '* * * * * *' }
  - id: E2E.Fleet.S5Monitor
    kind: monitor
    target: System.Computer
    runAs: E2E.Fleet.S5Profile
    action: { type: command, command: [sh, -c, 'echo user=$STEWARD_RUNAS_USERNAME'] }
    schedule: { cron: '* * * * * *' }
  - id: E2E.Fleet.Logon
    kind: monitor
    target: System.Computer
    runAs: E2E.Fleet.LogonProfile
    action: { type: command, command: [sh, -c, 'echo user=$STEWARD_RUNAS_USERNAME os=$(id -un)'] }
    schedule: { cron: '* * * * * *' }
  - id: E2E.Fleet.Health
    kind: monitor
    target: System.Computer
    action:
      type: script
      interpreter: sh
      script: |
        if test -e "${work}/critical-$STEWARD_OBJECT_ID"; then echo disk full; exit 2; fi
        echo disk fine
    schedule: { cron: '* * * * * *' }
  - id: E2E.Fleet.Queue
    kind: rule
    target: System.Computer
    action:
      type: script
      interpreter: sh
      script: |
        cat "${work}/queue-$STEWARD_OBJECT_ID" 2>/dev/null
        exit 0
    schedule: { cron: '* * * * * *' }
`;

let stage: Stage;
let server: ServerProcess;
let token: string;
let work: string;
const fleet = {} as Record<Key, Member>;
const accounts = {} as Record<'acc1' | 'acc2' | 'acc3' | 'accX' | 'accY' | 's5' | 'logon', string>;
const tempDirs: string[] = [];
/** Agent processes replaced by a restart: their logs are scanned for secrets too. */
const retired: AgentProcess[] = [];
let sqlX: string;
let sqlY: string;

const ok: Stage['ok'] = (method, path, body) => stage.ok(method, path, body);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes a file the actions read in one step, so an action never sees half of it. */
function writeWorkFile(name: string, text: string) {
  writeFileSync(join(work, `${name}.tmp`), text);
  renameSync(join(work, `${name}.tmp`), join(work, name));
}

const resultsOf = async (computerId: string, workflowId: string) =>
  (await ok<{ items: Result[] }>('GET', `/api/v1/results?computer=${computerId}&workflow=${workflowId}`))
    .items;
const resultFor = async (computerId: string, workflowId: string, objectId = computerId) =>
  (await resultsOf(computerId, workflowId)).find((r) => r.objectId === objectId);
/** What a run came to, in a form one comparison can check. */
const summary = (r: Result | undefined) =>
  r && { outcome: r.outcome, accountId: r.accountId, stdout: r.stdout, exitCode: r.exitCode };

const alertsWhere = async (query: string) =>
  (await ok<{ items: Alert[] }>('GET', `/api/v1/alerts?limit=1000&${query}`)).items;
const openAlertsOn = (sourceObjectId: string) =>
  alertsWhere(`state=open&sourceObject=${encodeURIComponent(sourceObjectId)}`);
const allAlertsOn = (sourceObjectId: string) =>
  alertsWhere(`state=all&sourceObject=${encodeURIComponent(sourceObjectId)}`);

const auditOf = async (kind: string) =>
  (await ok<{ items: AuditRecord[] }>('GET', `/api/v1/audit?kind=${kind}&limit=1000`)).items;
/** Which agents received an account, from the delivery audit. */
const deliveredTo = async (accountId: string) =>
  (await auditOf('credential.delivery'))
    .filter((r) => deliveredIn(r, accountId))
    .map((r) => r.details.agent as string);

const objectsOn = async (computerId: string) =>
  (
    await ok<{ items: { id: string; name: string; classId: string; hostId: string | null }[] }>(
      'GET',
      `/api/v1/objects?computer=${computerId}&limit=1000`,
    )
  ).items.filter((o) => o.id !== computerId);

const agentsListed = async () =>
  (await ok<{ items: { id: string; status: string; available: boolean }[] }>('GET', '/api/v1/agents')).items;

const identityOf = (m: Member): AgentIdentity => {
  const id = loadIdentity(m.dir);
  if (!id?.agentId) throw new Error(`no enrolled identity in ${m.dir}`);
  return id;
};

/** Polls outside a test (expect.poll needs one): the value once defined, or an error with the agents' logs. */
const until = <T>(what: string, probe: () => Promise<T | undefined>) =>
  untilThen(what, probe, {
    diagnostics: () => KEYS.map((k) => `${k}:\n${fleet[k]?.agent.stderr() ?? ''}`).join('\n'),
  });

const POLL = { timeout: 20_000, interval: 250 };

beforeAll(async () => {
  assertCliBuilt();
  stage = await startStage({
    adminPassword: SECRETS.admin,
    env: { STEWARD_CREDENTIALS_GRACE_SECONDS: '2', STEWARD_MISSED_HEARTBEAT_SECONDS: '4' },
  });
  ({ server, token } = stage);
  tempDirs.push(server.dataDir, dirname(server.stdoutPath));
  work = tempDir('steward-fleet-work-');
  tempDirs.push(work);
  await ok('POST', '/api/v1/packs', { content: pack(work), format: 'yaml' });

  // The computers are registered first, so every account, group and association is in place before any
  // agent asks for its configuration (R24: distribute before associating).
  const ids = {} as Record<Key, string>;
  for (const k of KEYS)
    ids[k] = (await ok<{ id: string }>('POST', '/api/v1/computers', { name: `fleet-${k}` })).id;

  const account = async (name: string, credential: Record<string, unknown>) =>
    (await ok<{ id: string }>('POST', '/api/v1/accounts', { name, credential })).id;
  const windows = (userName: string, password: string) =>
    account(`Fleet ${userName}`, { type: 'windows', userName, password });
  accounts.acc1 = await windows('svc-fleet-acc1', SECRETS.acc1);
  accounts.acc2 = await windows('svc-fleet-acc2', SECRETS.acc2);
  accounts.acc3 = await windows('svc-fleet-acc3', SECRETS.acc3);
  accounts.accX = await windows('svc-fleet-accx', SECRETS.accX);
  accounts.accY = await windows('svc-fleet-accy', SECRETS.accY);
  accounts.s5 = await windows('svc-fleet-s5', SECRETS.s5);
  // The agents run as root: they switch to this user, and PAM tells them whether its password is right.
  spawnSync('userdel', [LOGON_USER], { stdio: 'ignore' });
  execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', LOGON_USER]);
  execFileSync('chpasswd', { input: `${LOGON_USER}:${SECRETS.logon}\n` });
  accounts.logon = await account('Fleet logon', {
    type: 'unix-monitoring',
    userName: LOGON_USER,
    password: SECRETS.logon,
  });

  const distribute = (id: string, approved: string[], security = 'more-secure') =>
    ok('PUT', `/api/v1/accounts/${id}/distribution`, { security, approved });
  await distribute(accounts.acc1, [ids.a]);
  await distribute(accounts.acc2, [ids.b, ids.c]);
  await distribute(accounts.acc3, [ids.d]);
  await distribute(accounts.accX, [ids.a]);
  await distribute(accounts.accY, [ids.a]);
  await distribute(accounts.logon, [], 'less-secure');
  // S5: more secure with an empty list, as every new account is.

  await ok('POST', '/api/v1/groups', { id: 'E2E.Fleet.BC', members: [ids.b, ids.c] });
  const associate = (profile: string, accountId: string, scope?: unknown) =>
    ok('POST', `/api/v1/profiles/${profile}/associations`, { accountId, ...(scope ? { scope } : {}) });
  await associate('E2E.Fleet.Profile', accounts.acc1, { kind: 'object', objectId: ids.a });
  await associate('E2E.Fleet.Profile', accounts.acc2, { kind: 'group', groupId: 'E2E.Fleet.BC' });
  await associate('E2E.Fleet.Profile', accounts.acc3, { kind: 'object', objectId: ids.d });
  await associate('E2E.Fleet.S5Profile', accounts.s5);
  await associate('E2E.Fleet.LogonProfile', accounts.logon);

  // A discovers two SQL instances on itself; B claims one on A, which must not work.
  writeWorkFile(
    `discover-${ids.a}`,
    '{"class":"E2E.Fleet.SqlInstance","name":"X"}\n{"class":"E2E.Fleet.SqlInstance","name":"Y"}\n',
  );
  writeWorkFile(`discover-${ids.b}`, `{"class":"E2E.Fleet.SqlInstance","name":"Evil","host":"${ids.a}"}\n`);

  for (const k of KEYS) {
    const name = `fleet-${k}`;
    const enrollment = await ok<{ token: string }>('POST', '/api/v1/agents/enrollment-tokens', {
      computerName: name,
    });
    const dir = tempDir(`steward-fleet-agent-${k}-`);
    tempDirs.push(dir);
    const agent = startAgent(['--server', server.url, '--data-dir', dir, '--name', name], {
      STEWARD_AGENT_TOKEN: enrollment.token,
      STEWARD_AGENT_LOG_LEVEL: 'debug',
    });
    fleet[k] = { name, id: ids[k], dir, agent };
  }
  await until('all four agents to enroll', async () => {
    const approved = (await agentsListed()).filter((a) => a.status === 'approved').map((a) => a.id);
    return KEYS.every((k) => approved.includes(ids[k])) ? true : undefined;
  });
}, 90_000);

afterAll(async () => {
  for (const k of KEYS) await fleet[k]?.agent.stop('SIGKILL');
  await server?.stop('SIGKILL');
  await stage?.close();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  spawnSync('userdel', [LOGON_USER], { stdio: 'ignore' });
});

// Several polls in one test: more than the default 30 s on a slow machine is no failure.
describe('a fleet of four agents on one server', { timeout: 60_000 }, () => {
  it('S1: one profile, three accounts, four computers — each workflow runs as the account of its computer', async () => {
    const { a, b, c, d } = fleet;
    const expected = [
      [a, accounts.acc1, 'svc-fleet-acc1'],
      [b, accounts.acc2, 'svc-fleet-acc2'],
      [c, accounts.acc2, 'svc-fleet-acc2'],
      [d, accounts.acc3, 'svc-fleet-acc3'],
    ] as const;
    for (const [m, accountId, user] of expected)
      for (const w of ['E2E.Fleet.W1', 'E2E.Fleet.W2', 'E2E.Fleet.W3'])
        await expect
          .poll(async () => summary(await resultFor(m.id, w)), POLL)
          // exit 0: `test -n "$STEWARD_RUNAS_PASSWORD"` saw the password; the output shows only the user.
          .toEqual({ outcome: 'ran', accountId, stdout: `user=${user}\n`, exitCode: 0 });

    // The sealed credential of each account went only to the computers it is distributed to.
    expect([...new Set(await deliveredTo(accounts.acc2))].sort()).toEqual([b.id, c.id].sort());
    expect(await deliveredTo(accounts.acc1)).toEqual([a.id]);
    expect(await deliveredTo(accounts.acc3)).toEqual([d.id]);
  });

  it('S2: a discovery on A creates X and Y on A; X runs as AccX and Y as AccY', async () => {
    const a = fleet.a;
    await expect
      .poll(async () => (await objectsOn(a.id)).map((o) => `${o.classId}:${o.name}:${o.hostId}`).sort(), POLL)
      .toEqual([`E2E.Fleet.SqlInstance:X:${a.id}`, `E2E.Fleet.SqlInstance:Y:${a.id}`]);
    const objects = await objectsOn(a.id);
    sqlX = objects.find((o) => o.name === 'X')!.id;
    sqlY = objects.find((o) => o.name === 'Y')!.id;
    const created = await auditOf('object.create');
    expect(created.filter((r) => r.target === sqlX || r.target === sqlY).map((r) => r.actor)).toEqual([
      `agent:${a.id}`,
      `agent:${a.id}`,
    ]);

    await ok('POST', '/api/v1/profiles/E2E.Fleet.SqlProfile/associations', {
      accountId: accounts.accX,
      scope: { kind: 'object', objectId: sqlX },
    });
    await ok('POST', '/api/v1/profiles/E2E.Fleet.SqlProfile/associations', {
      accountId: accounts.accY,
      scope: { kind: 'object', objectId: sqlY },
    });
    await expect
      .poll(async () => summary(await resultFor(a.id, 'E2E.Fleet.SqlMonitor', sqlX)), POLL)
      .toEqual({ outcome: 'ran', accountId: accounts.accX, stdout: 'user=svc-fleet-accx\n', exitCode: 0 });
    await expect
      .poll(async () => summary(await resultFor(a.id, 'E2E.Fleet.SqlMonitor', sqlY)), POLL)
      .toEqual({ outcome: 'ran', accountId: accounts.accY, stdout: 'user=svc-fleet-accy\n', exitCode: 0 });
  });

  it('ignores a discovered object that claims another agent’s computer as its host', async () => {
    const { a, b } = fleet;
    // B really reported the line; the server refused it, and nothing named Evil exists anywhere.
    await expect
      .poll(async () => (await resultFor(b.id, 'E2E.Fleet.SqlDiscovery'))?.stdout ?? '', POLL)
      .toContain(`"host":"${a.id}"`);
    await b.agent.waitForLog(/not an object on this health service/, 15_000);
    const everywhere = (
      await ok<{ items: { name: string; hostId: string | null }[] }>(
        'GET',
        '/api/v1/objects?class=E2E.Fleet.SqlInstance&limit=1000',
      )
    ).items;
    expect(everywhere.map((o) => `${o.name}@${o.hostId}`).sort()).toEqual([`X@${a.id}`, `Y@${a.id}`]);
  });

  it('S2: without AccY on A the workflow for Y is not run, Credentials Not Found is raised; X keeps AccX; redistributing resolves it', async () => {
    const a = fleet.a;
    const removedAt = new Date().toISOString();
    await ok('PATCH', `/api/v1/accounts/${accounts.accY}/distribution`, { remove: [a.id] });
    await expect
      .poll(async () => summary(await resultFor(a.id, 'E2E.Fleet.SqlMonitor', sqlY)), POLL)
      .toEqual({
        outcome: 'not-run-credentials-not-found',
        accountId: accounts.accY,
        stdout: '',
        exitCode: null,
      });

    // R22: the alert comes after the grace (2 s here, swept every 5 s), on A, naming the profile and AccY.
    const cnf = async () =>
      (await allAlertsOn(a.id)).filter(
        (x) => x.name === CREDENTIALS_NOT_FOUND && x.custom['1'] === accounts.accY,
      );
    await expect
      .poll(async () => (await cnf()).filter((x) => x.resolutionState !== 255).length, POLL)
      .toBe(1);
    const [alert] = await cnf();
    expect(alert).toMatchObject({ severity: 'critical', sourceKind: 'steward', sourceObjectId: a.id });
    const notRunSince = (await resultFor(a.id, 'E2E.Fleet.SqlMonitor', sqlY))!.notRunSince!;
    expect(Date.parse(alert!.timeRaised) - Date.parse(notRunSince)).toBeGreaterThanOrEqual(2000);
    expect(alert!.description).toContain('E2E.Fleet.SqlProfile');
    expect(alert!.description).toContain('Fleet svc-fleet-accy');
    expect(alert!.description).toContain(accounts.accY);

    // X is unaffected: it has run since, still as AccX.
    const x = await resultFor(a.id, 'E2E.Fleet.SqlMonitor', sqlX);
    expect(summary(x)).toEqual({
      outcome: 'ran',
      accountId: accounts.accX,
      stdout: 'user=svc-fleet-accx\n',
      exitCode: 0,
    });
    expect(x!.startedAt > removedAt).toBe(true);

    await ok('PATCH', `/api/v1/accounts/${accounts.accY}/distribution`, { add: [a.id] });
    await expect
      .poll(async () => summary(await resultFor(a.id, 'E2E.Fleet.SqlMonitor', sqlY)), POLL)
      .toEqual({ outcome: 'ran', accountId: accounts.accY, stdout: 'user=svc-fleet-accy\n', exitCode: 0 });
    await expect.poll(async () => (await cnf()).map((x) => x.resolutionState), POLL).toEqual([255]);
    expect((await cnf())[0]!.resolvedBy).toBe('system');
  });

  it('S5: targeted for all objects but distributed nowhere — not run on any computer, alert on each; distributing runs it and resolves them', async () => {
    const members = KEYS.map((k) => fleet[k]);
    for (const m of members)
      await expect
        .poll(async () => summary(await resultFor(m.id, 'E2E.Fleet.S5Monitor')), POLL)
        .toEqual({
          outcome: 'not-run-credentials-not-found',
          accountId: accounts.s5,
          stdout: '',
          exitCode: null,
        });
    const cnfOn = async (id: string) =>
      (await allAlertsOn(id)).filter(
        (x) => x.name === CREDENTIALS_NOT_FOUND && x.custom['1'] === accounts.s5,
      );
    for (const m of members) {
      await expect.poll(async () => (await cnfOn(m.id)).map((x) => x.resolutionState), POLL).toEqual([0]);
      expect((await cnfOn(m.id))[0]!.description).toContain('E2E.Fleet.S5Profile');
    }

    await ok('PUT', `/api/v1/accounts/${accounts.s5}/distribution`, {
      security: 'more-secure',
      approved: members.map((m) => m.id),
    });
    for (const m of members) {
      await expect
        .poll(async () => summary(await resultFor(m.id, 'E2E.Fleet.S5Monitor')), POLL)
        .toEqual({ outcome: 'ran', accountId: accounts.s5, stdout: 'user=svc-fleet-s5\n', exitCode: 0 });
      await expect.poll(async () => (await cnfOn(m.id)).map((x) => x.resolutionState), POLL).toEqual([255]);
    }
  });

  it('S6: a less-secure account reaches every agent once, and each raises the logon-type alert about itself', async () => {
    // An action account cannot be less secure (R7, S18), so S6 uses a UNIX account: also checked by agents.
    const action = (
      await ok<{ id: string }>('POST', '/api/v1/accounts', {
        name: 'Fleet action',
        credential: { type: 'action', userName: LOGON_USER, password: SECRETS.action },
      })
    ).id;
    const refused = await api(server.url, 'PUT', `/api/v1/accounts/${action}/distribution`, {
      token,
      body: { security: 'less-secure' },
    });
    expect(refused.status).toBe(422);

    const members = KEYS.map((k) => fleet[k]);
    for (const m of members)
      await expect
        .poll(async () => summary(await resultFor(m.id, 'E2E.Fleet.Logon')), POLL)
        // The agent runs as root: it switched to the account's OS user.
        .toEqual({
          outcome: 'ran',
          accountId: accounts.logon,
          stdout: `user=${LOGON_USER} os=${LOGON_USER}\n`,
          exitCode: 0,
        });
    expect((await deliveredTo(accounts.logon)).sort()).toEqual(members.map((m) => m.id).sort());

    for (const m of members) {
      // The user exists with a nologin shell: it may not log on locally (R29); its password is right (no R30).
      await expect
        .poll(
          async () =>
            (await openAlertsOn(m.id))
              .filter((x) => x.custom['1'] === accounts.logon)
              .map((x) => ({ name: x.name, severity: x.severity, sourceKind: x.sourceKind })),
          POLL,
        )
        .toEqual([{ name: LOGON_TYPE, severity: 'warning', sourceKind: 'steward' }]);
      const mine = (await openAlertsOn(m.id)).find((x) => x.name === LOGON_TYPE)!;
      expect(mine.description).toContain('nologin');
      expect(mine.description).toContain(m.id);
    }
    expect((await alertsWhere('state=all')).filter((x) => x.name === COULD_NOT_LOG_ON)).toEqual([]);
  });

  it('S24: a wrong password reaches the agents, each raises Could Not Log On naming the user; the right one resolves it', async () => {
    const members = KEYS.map((k) => fleet[k]);
    const couldNotLogOn = async (m: Member) =>
      (await allAlertsOn(m.id)).filter(
        (x) => x.name === COULD_NOT_LOG_ON && x.custom['1'] === accounts.logon,
      );
    const setPassword = (password: string) =>
      ok('PATCH', `/api/v1/accounts/${accounts.logon}`, {
        credential: { type: 'unix-monitoring', userName: LOGON_USER, password },
      });

    await setPassword(SECRETS.wrongLogon);
    for (const m of members) {
      // R30: PAM refuses the password, so the agent reports the logon check critical: an open error alert.
      await expect
        .poll(async () => (await couldNotLogOn(m)).map((x) => [x.severity, x.resolutionState]), POLL)
        .toEqual([['critical', 0]]);
      const [alert] = await couldNotLogOn(m);
      expect(alert!.description).toContain(`the password of user ${LOGON_USER} is not accepted`);
      expect(alert!.description).not.toContain(SECRETS.wrongLogon);
    }

    await setPassword(SECRETS.logon);
    for (const m of members) {
      await expect
        .poll(async () => (await couldNotLogOn(m)).map((x) => x.resolutionState), POLL)
        .toEqual([255]);
      // Resolved by the agent's own report that the check passes again.
      expect((await couldNotLogOn(m))[0]!.resolvedBy).toBe(`agent:${m.id}`);
    }
  });

  it('a monitor that exits 2 raises a critical alert on its object and closes it when it exits 0 again', async () => {
    const { a, b, c, d } = fleet;
    const health = async (id: string) =>
      (
        await ok<{ items: { monitorId: string; state: string; message: string }[] }>(
          'GET',
          `/api/v1/health-states?object=${id}`,
        )
      ).items.find((h) => h.monitorId === 'E2E.Fleet.Health');
    const raisedBy = async (id: string) =>
      (await allAlertsOn(id)).filter((x) => x.workflowId === 'E2E.Fleet.Health');

    await expect.poll(async () => (await health(b.id))?.state, POLL).toBe('healthy');
    writeWorkFile(`critical-${b.id}`, '');
    await expect
      .poll(
        async () => (await raisedBy(b.id)).map((x) => [x.severity, x.resolutionState, x.sourceKind]),
        POLL,
      )
      .toEqual([['critical', 0, 'workflow']]);
    expect(await health(b.id)).toMatchObject({ state: 'critical', message: 'disk full' });
    for (const m of [a, c, d]) {
      expect(await raisedBy(m.id)).toEqual([]);
      expect((await health(m.id))?.state).toBe('healthy');
    }

    unlinkSync(join(work, `critical-${b.id}`));
    await expect.poll(async () => (await raisedBy(b.id)).map((x) => x.resolutionState), POLL).toEqual([255]);
    expect(await health(b.id)).toMatchObject({ state: 'healthy', message: 'disk fine' });
  });

  it('a rule raises the alert its output names, on its own computer only', async () => {
    const { a, b, c, d } = fleet;
    writeWorkFile(
      `queue-${c.id}`,
      '{"alert":{"name":"Fleet queue long","severity":"warning","description":"42 messages waiting"}}\n',
    );
    const queued = async (id: string) =>
      (await openAlertsOn(id)).filter((x) => x.workflowId === 'E2E.Fleet.Queue');
    await expect
      .poll(
        async () => (await queued(c.id)).map((x) => [x.name, x.severity, x.description, x.sourceKind]),
        POLL,
      )
      .toEqual([['Fleet queue long', 'warning', '42 messages waiting', 'workflow']]);
    for (const m of [a, b, d]) expect(await queued(m.id)).toEqual([]);
    unlinkSync(join(work, `queue-${c.id}`));
  });

  it('R46: a killed agent gets a heartbeat alert from its watcher and becomes unavailable; the others stay available', async () => {
    const { a, b, c, d } = fleet;
    expect(
      (await agentsListed())
        .filter((x) => x.available)
        .map((x) => x.id)
        .sort(),
    ).toEqual([a.id, b.id, c.id, d.id].sort());
    const killedAt = Date.now();
    await d.agent.stop('SIGKILL');
    await expect
      .poll(
        async () =>
          (await openAlertsOn(`watcher:${d.id}`)).map((x) => [x.name, x.sourceKind, x.sourceObjectId]),
        { timeout: 15_000, interval: 250 },
      )
      .toEqual([[HEARTBEAT_FAILURE, 'watcher', `watcher:${d.id}`]]);
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    // The source is the watcher, not the computer.
    expect((await openAlertsOn(d.id)).filter((x) => x.name === HEARTBEAT_FAILURE)).toEqual([]);

    const listed = await agentsListed();
    expect(listed.find((x) => x.id === d.id)!.available).toBe(false);
    for (const m of [a, b, c]) {
      expect(listed.find((x) => x.id === m.id)!.available).toBe(true);
      expect(await openAlertsOn(`watcher:${m.id}`)).toEqual([]);
    }
  });

  describe('the agent security boundary, against the real server', () => {
    const agentGet = async (path: string, assertion: string) =>
      (await fetch(`${server.url}${path}`, { headers: { authorization: `Agent ${assertion}` } })).status;

    it('agent B cannot obtain agent A’s credentials: it gets nothing, and the refusal is audited', async () => {
      const b = identityOf(fleet.b);
      const asB = createAgentApi({ server: server.url, identity: b });
      expect(await asB.fetchCredentials([{ id: accounts.acc1, version: 1 }])).toEqual({
        opened: [],
        unopened: [],
      });
      const refusals = (await auditOf('credential.refused')).filter(
        (r) => r.details.agent === fleet.b.id && r.details.account === accounts.acc1,
      );
      expect(refusals).toHaveLength(1);
      expect(refusals[0]!.actor).toBe(`agent:${fleet.b.id}`);
      expect(await deliveredTo(accounts.acc1)).toEqual([fleet.a.id]);
    });

    it('refuses a replayed assertion and one signed by a foreign key with 401', async () => {
      const b = identityOf(fleet.b);
      const assertion = await signAssertion(b.signingKey, fleet.b.id, {
        request: { method: 'GET', path: '/api/v1/agent/config' },
      });
      expect(await agentGet('/api/v1/agent/config', assertion)).toBe(200);
      expect(await agentGet('/api/v1/agent/config', assertion)).toBe(401);
      const foreign = generateAgentKeys();
      expect(
        await agentGet(
          '/api/v1/agent/config',
          await signAssertion(foreign.signing.privateKey, fleet.b.id, {
            request: { method: 'GET', path: '/api/v1/agent/config' },
          }),
        ),
      ).toBe(401);
    });

    it('seals credentials to the agent: another agent’s key or a tampered envelope fails to open', async () => {
      const b = identityOf(fleet.b);
      const body = JSON.stringify({ accounts: [{ id: accounts.acc2, version: 1 }] });
      const res = await fetch(`${server.url}/api/v1/agent/credentials`, {
        method: 'POST',
        headers: {
          authorization: `Agent ${await signAssertion(b.signingKey, fleet.b.id, {
            request: { method: 'POST', path: '/api/v1/agent/credentials', body },
          })}`,
          'content-type': 'application/json',
        },
        body,
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toContain(SECRETS.acc2);
      const envelope = (JSON.parse(text) as { items: { envelope: SealedEnvelope }[] }).items[0]!.envelope;
      const aad = credentialAad(fleet.b.id, accounts.acc2, 1);
      expect(JSON.parse(openSealed(b.sealingKey, envelope, aad).toString()).secret.password).toBe(
        SECRETS.acc2,
      );
      expect(() => openSealed(identityOf(fleet.c).sealingKey, envelope, aad)).toThrow();
      const ct = Buffer.from(envelope.ct, 'base64url');
      ct[3] = ct[3]! ^ 0x01;
      expect(() => openSealed(b.sealingKey, { ...envelope, ct: ct.toString('base64url') }, aad)).toThrow();
    });

    it('a revoked agent is refused with 401, stops running workflows and its results stop advancing', async () => {
      const c = fleet.c;
      const since = Date.now() - 3000;
      await expect
        .poll(
          async () => Date.parse((await resultFor(c.id, 'E2E.Fleet.W1'))?.reportedAt ?? '1970-01-01'),
          POLL,
        )
        .toBeGreaterThan(since);
      expect(await ok('POST', `/api/v1/agents/${c.id}/revoke`)).toEqual({ id: c.id, status: 'revoked' });
      const asC = createAgentApi({ server: server.url, identity: identityOf(c) });
      const err = await asC.fetchConfig().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(401);

      // Its waiting long-poll ends with the refusal: it drops its credentials and stops running workflows.
      await c.agent.waitForLog(/this agent was revoked: it dropped its credentials/, 10_000);
      const runs = () =>
        c.agent
          .stderr()
          .split('\n')
          .filter((l) => l.includes('"msg":"ran"')).length;

      // A report already on its way may still land: take the reading after it.
      await sleep(1500);
      const last = async () => (await resultsOf(c.id, 'E2E.Fleet.W1'))[0]!.reportedAt;
      const frozen = await last();
      const ran = runs();
      await sleep(3500);
      expect(await last()).toBe(frozen);
      expect(runs()).toBe(ran);
      // Meanwhile B keeps reporting.
      expect((await resultFor(fleet.b.id, 'E2E.Fleet.W1'))!.reportedAt > frozen).toBe(true);
    });

    it('a revoked agent restarted with a new token enrolls again under its id and runs as its account again', async () => {
      const c = fleet.c;
      expect(await c.agent.stop('SIGTERM')).toBe(0);
      retired.push(c.agent);
      const { token: fresh } = await ok<{ token: string }>('POST', '/api/v1/agents/enrollment-tokens', {
        computerName: c.name,
      });
      const restartedAt = new Date().toISOString();
      c.agent = startAgent(['--server', server.url, '--data-dir', c.dir, '--name', c.name], {
        STEWARD_AGENT_TOKEN: fresh,
        STEWARD_AGENT_LOG_LEVEL: 'debug',
      });
      await c.agent.waitForLog(/"msg":"enrolled again"/, 20_000);
      expect(identityOf(c).agentId).toBe(c.id);
      await expect
        .poll(async () => {
          const r = await resultFor(c.id, 'E2E.Fleet.W1');
          return r && r.startedAt > restartedAt ? summary(r) : undefined;
        }, POLL)
        .toEqual({ outcome: 'ran', accountId: accounts.acc2, stdout: 'user=svc-fleet-acc2\n', exitCode: 0 });
    });
  });

  it('R7, S17: a basic account cannot be a computer’s default action account (422, unchanged)', async () => {
    const basic = (
      await ok<{ id: string }>('POST', '/api/v1/accounts', {
        name: 'Fleet basic',
        credential: { type: 'basic', userName: 'svc-basic', password: SECRETS.basic },
      })
    ).id;
    const r = await api<{ error: { code: string } }>(server.url, 'PATCH', `/api/v1/computers/${fleet.a.id}`, {
      token,
      body: { defaultActionAccountId: basic },
    });
    expect(r.status).toBe(422);
    expect(
      (await ok<{ defaultActionAccountId: string | null }>('GET', `/api/v1/computers/${fleet.a.id}`))
        .defaultActionAccountId,
    ).toBeNull();
  });

  it('leaves no secret in any log of the server or the agents, nor in any file of their data directories', {
    timeout: 60_000,
  }, async () => {
    // Stopped together; each must end by itself on SIGTERM (D was killed earlier).
    const exits = await Promise.all(
      (['a', 'b', 'c'] as const).map((k) =>
        Promise.race([
          fleet[k].agent.stop('SIGTERM'),
          sleep(30_000).then(
            () =>
              `${k} still running; its log ends:\n${fleet[k].agent.stderr().split('\n').slice(-25).join('\n')}`,
          ),
        ]),
      ),
    );
    expect(exits).toEqual([0, 0, 0]);
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    const texts: [string, string][] = [
      ['server stdout', readFileSync(server.stdoutPath, 'utf8')],
      ['server stderr', readFileSync(server.stderrPath, 'utf8')],
    ];
    for (const [i, r] of retired.entries())
      texts.push([`retired agent ${i} stdout`, r.stdout()], [`retired agent ${i} stderr`, r.stderr()]);
    for (const k of KEYS) {
      const m = fleet[k];
      texts.push([`${m.name} stdout`, m.agent.stdout()], [`${m.name} stderr`, m.agent.stderr()]);
      for (const f of filesUnder(m.dir)) texts.push([f, readFileSync(f, 'latin1')]);
      expect(m.agent.stderr()).toContain('configuration applied');
      for (const line of m.agent.stderr().trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    }
    expect(texts.length).toBeGreaterThan(KEYS.length * 5);
    for (const [where, text] of texts) {
      for (const secret of Object.values(SECRETS))
        expect(text.includes(secret), `${secret} in ${where}`).toBe(false);
      expect(text.includes('stw_enroll_'), `an enrollment token in ${where}`).toBe(false);
    }
  });
});
