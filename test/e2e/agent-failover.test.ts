// Proves an agent given two servers on one PostgreSQL database keeps working through the second when the first is
// killed (its runs reported there, a change made there taking effect), and that a restarted agent fetches its
// credentials again, runs as its account again and keeps no secret in its data directory.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AgentProcess, filesUnder, startAgent } from '../support/agent-process.js';
import { deliveredIn } from '../support/audit.js';
import { assertCliBuilt } from '../support/cli-process.js';
import { type Stage, stageOn, startEnrolledAgent } from '../support/e2e-stage.js';
import {
  oneTimePasswordOf,
  type ServerProcess,
  signInAsBootstrapAdmin,
  startServer,
  tempDir,
} from '../support/server-process.js';
import { createRequiredPostgresDatabase } from '../support/test-database.js';

const COMPUTER = 'failover-01';
const PROFILE = 'E2E.Failover.Profile';
const WORKFLOW = 'E2E.Failover.WhoAmI';
const SECRETS = {
  first: 'failover-first-pw-Jd38Qa',
  second: 'failover-second-pw-Wm62Rt',
  admin: 'failover admin password 4',
} as const;

const PACK = `
id: E2E.Failover
version: 1.0.0
references:
  - { id: Steward.Library, minVersion: 1.0.0 }
profiles:
  - { id: ${PROFILE}, contextClass: System.Computer }
workflows:
  - id: ${WORKFLOW}
    kind: monitor
    target: System.Computer
    runAs: ${PROFILE}
    action: { type: command, command: [sh, -c, 'echo user=$STEWARD_RUNAS_USERNAME; test -n "$STEWARD_RUNAS_PASSWORD"'] }
    schedule: { cron: '* * * * * *' }
`;

interface Result {
  outcome: string;
  accountId: string | null;
  stdout: string;
  exitCode: number | null;
  startedAt: string;
}

interface AuditRecord {
  seq: number;
  details: Record<string, unknown>;
}

interface LogLine {
  msg: string;
  [field: string]: unknown;
}

// Two slow shared cores: a poll may wait long without anything being wrong.
const POLL = { timeout: 30_000, interval: 250 };

/** What a poll of `runSince` must come to: the monitor ran as the account (exit 0: the password reached it). */
const ranAs = (accountId: string, userName: string) => ({
  outcome: 'ran',
  accountId,
  stdout: `user=${userName}\n`,
  exitCode: 0,
  fresh: true,
});

const logOf = (agent: AgentProcess): LogLine[] =>
  agent
    .stderr()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LogLine);

describe('an agent given two servers on one PostgreSQL database', { timeout: 120_000 }, () => {
  let database: { url: string; drop: () => Promise<void> };
  let servers: ServerProcess[];
  let agents: AgentProcess[];
  let a: Stage;
  let b: Stage;
  let agentDir: string;
  let agentId: string;
  let firstAccount: string;
  let firstAssociation: string;

  /** A new Windows account distributed to the agent, made through `via`. */
  const distributedAccount = async (via: Stage, userName: string, password: string) => {
    const { id } = await via.ok<{ id: string }>('POST', '/api/v1/accounts', {
      name: userName,
      credential: { type: 'windows', userName, password },
    });
    await via.ok('PUT', `/api/v1/accounts/${id}/distribution`, {
      security: 'more-secure',
      approved: [agentId],
    });
    return id;
  };

  /** The monitor's latest run as `via` reports it; `fresh` when it started after `since` (epoch ms). */
  const runSince = async (via: Stage, since: number) => {
    const path = `/api/v1/results?computer=${agentId}&workflow=${WORKFLOW}`;
    const r = (await via.ok<{ items: Result[] }>('GET', path)).items[0];
    return (
      r && {
        outcome: r.outcome,
        accountId: r.accountId,
        stdout: r.stdout,
        exitCode: r.exitCode,
        fresh: Date.parse(r.startedAt) > since,
      }
    );
  };

  /** The audit's sequence numbers of each delivery of `accountId` to the agent. */
  const deliveries = async (via: Stage, accountId: string) =>
    (await via.ok<{ items: AuditRecord[] }>('GET', '/api/v1/audit?kind=credential.delivery&limit=1000')).items
      .filter((r) => r.details.agent === agentId && deliveredIn(r, accountId))
      .map((r) => r.seq);

  beforeEach(async ({ onTestFailed }) => {
    assertCliBuilt();
    servers = [];
    agents = [];
    onTestFailed(() => {
      for (const agent of agents) console.error(`agent log:\n${agent.stderr()}`);
    });
    database = await createRequiredPostgresDatabase();
    // Every server of one database needs the same root key to open the secrets another one sealed.
    const rootKey = randomBytes(32).toString('base64');
    const start = async (name: string) => {
      const server = await startServer({
        env: {
          DATABASE_URL: database.url,
          STEWARD_ROOT_KEY: rootKey,
          STEWARD_SERVER_NAME: name,
          STEWARD_HEARTBEAT_SECONDS: '1',
          STEWARD_SERVER_TIMEOUT_SECONDS: '3',
        },
      });
      servers.push(server);
      return server;
    };
    const serverA = await start('server-a');
    const token = await signInAsBootstrapAdmin(serverA.url, await oneTimePasswordOf(serverA), SECRETS.admin);
    a = stageOn(serverA, token);
    b = stageOn(await start('server-b'), token);

    await a.ok('POST', '/api/v1/packs', { content: PACK, format: 'yaml' });
    agentDir = tempDir('steward-failover-agent-');
    const enrolled = await startEnrolledAgent(a, COMPUTER, {
      dataDir: agentDir,
      servers: [a.server.url, b.server.url],
    });
    agents.push(enrolled.agent);
    agentId = enrolled.agentId;
    firstAccount = await distributedAccount(a, 'svc-failover-first', SECRETS.first);
    firstAssociation = (
      await a.ok<{ id: string }>('POST', `/api/v1/profiles/${PROFILE}/associations`, {
        accountId: firstAccount,
        scope: { kind: 'object', objectId: agentId },
      })
    ).id;
  });

  afterEach(async () => {
    for (const agent of agents) await agent.stop('SIGKILL');
    for (const server of servers) await server.stop('SIGKILL');
    await database.drop();
    for (const dir of [agentDir, ...servers.flatMap((s) => [s.dataDir, dirname(s.stdoutPath)])])
      rmSync(dir, { recursive: true, force: true });
  });

  it('moves to the second server when the first is killed, reports its runs there and takes a change made there', async () => {
    const [agent] = agents;
    await expect.poll(() => runSince(a, 0), POLL).toEqual(ranAs(firstAccount, 'svc-failover-first'));

    const killedAt = Date.now();
    await a.server.stop('SIGKILL');
    await expect.poll(() => runSince(b, killedAt), POLL).toEqual(ranAs(firstAccount, 'svc-failover-first'));
    const movedOn = logOf(agent!).filter((l) => l.msg === 'server unreachable: moving on');
    expect(movedOn.length).toBeGreaterThan(0);
    // Only ever from the dead server to the live one: the agent never left the second server.
    for (const line of movedOn) expect(line).toMatchObject({ server: a.server.url, next: b.server.url });

    // A new account and association, made through the survivor, reach the agent and take effect.
    const secondAccount = await distributedAccount(b, 'svc-failover-second', SECRETS.second);
    await b.ok('DELETE', `/api/v1/associations/${firstAssociation}`);
    await b.ok('POST', `/api/v1/profiles/${PROFILE}/associations`, {
      accountId: secondAccount,
      scope: { kind: 'object', objectId: agentId },
    });
    const changedAt = Date.now();
    await expect
      .poll(() => runSince(b, changedAt), POLL)
      .toEqual(ranAs(secondAccount, 'svc-failover-second'));
    expect(await deliveries(b, secondAccount)).toHaveLength(1);
  });

  it('fetches its credentials again when restarted, runs as its account again and writes no secret to disk', async () => {
    const [first] = agents;
    await expect.poll(() => runSince(a, 0), POLL).toEqual(ranAs(firstAccount, 'svc-failover-first'));
    const before = await deliveries(a, firstAccount);
    expect(before).toHaveLength(1);

    expect(await first!.stop('SIGTERM')).toBe(0);
    const restartedAt = Date.now();
    const again = startAgent([
      ...['--server', a.server.url, '--server', b.server.url],
      ...['--data-dir', agentDir, '--name', COMPUTER],
    ]);
    agents.push(again);
    await expect.poll(async () => (await deliveries(a, firstAccount)).length, POLL).toBe(2);
    expect((await deliveries(a, firstAccount))[1]).toBeGreaterThan(before[0]!);
    await expect
      .poll(() => runSince(a, restartedAt), POLL)
      .toEqual(ranAs(firstAccount, 'svc-failover-first'));
    // The same agent, known from its data directory: it did not enroll again.
    expect(logOf(again).find((l) => l.msg === 'agent starting')).toMatchObject({ agentId });
    expect(logOf(again).some((l) => l.msg === 'enrolled')).toBe(false);

    const texts: [string, string][] = agents.flatMap((agent, i): [string, string][] => [
      [`agent ${i} stdout`, agent.stdout()],
      [`agent ${i} stderr`, agent.stderr()],
    ]);
    for (const f of filesUnder(agentDir)) texts.push([f, readFileSync(f, 'latin1')]);
    expect(texts.map(([where]) => where)).toContain(`${agentDir}/agent.json`);
    for (const [where, text] of texts) {
      expect(text.includes(SECRETS.first), `the password in ${where}`).toBe(false);
      expect(text.includes('stw_enroll_'), `an enrollment token in ${where}`).toBe(false);
    }
  });
});
