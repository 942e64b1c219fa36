// The world of `npm run bench -- agents` on the server: the bench pack, the accounts, the enrolled fleet and the
// services on its computers; and every agent's first configuration.
import { createAgentApi } from '../src/agent/agent-api.js';
import type { ServerProcess } from '../test/support/server-process.js';
import type { Admin } from './admin-session.js';
import { type FleetAgent, forEachConcurrently, newFleetAgent } from './agent-fleet.js';

const PACK_ID = 'Bench.Agents';
const SERVICE_CLASS = 'Bench.Agents.Service';
const SERVICE_PROFILE = 'Bench.Agents.ServiceProfile';
export const COMPUTER_PROFILE = 'Bench.Agents.ComputerProfile';
export const COMPUTER_WORKFLOW = 'Bench.Agents.ComputerCheck';

/** Every agent's computer is targeted by the computer workflows; each service adds two entries more. */
const PACK = `
id: ${PACK_ID}
version: 1.0.0
references:
  - { id: Steward.Library, minVersion: 1.0.0 }
classes:
  - { id: ${SERVICE_CLASS}, baseClass: System.Application, hosted: true }
profiles:
  - { id: ${SERVICE_PROFILE}, displayName: Service account, contextClass: ${SERVICE_CLASS} }
  - { id: ${COMPUTER_PROFILE}, displayName: Computer account, contextClass: System.Computer }
workflows:
  - id: Bench.Agents.ServiceCheck
    kind: monitor
    target: ${SERVICE_CLASS}
    runAs: ${SERVICE_PROFILE}
    action: { type: command, command: [check-service] }
    schedule: { intervalSeconds: 300 }
  - id: Bench.Agents.ServiceCollect
    kind: rule
    target: ${SERVICE_CLASS}
    action: { type: command, command: [collect] }
    schedule: { intervalSeconds: 300 }
  - id: ${COMPUTER_WORKFLOW}
    kind: monitor
    target: System.Computer
    runAs: ${COMPUTER_PROFILE}
    action: { type: command, command: [check-computer] }
    schedule: { intervalSeconds: 60 }
  - id: Bench.Agents.ComputerInventory
    kind: discovery
    target: System.Computer
    runAs: ${COMPUTER_PROFILE}
    action: { type: command, command: [inventory] }
    schedule: { intervalSeconds: 3600 }
`;

/** What the set-up reads of the bench's options. */
export interface FleetSizes {
  agents: number;
  servicesPerAgent: number;
  /** Administration calls and enrollments at once. */
  setupConcurrency: number;
}

/**
 * The fleet and what it is configured with: the bench pack, one service account distributed (more secure)
 * to every other computer and associated with the service profile, services hosted on every computer, and
 * a less-secure computer account that the propagation phase associates and dissociates.
 */
export async function setUp(
  server: ServerProcess,
  admin: Admin,
  o: FleetSizes,
  progress: (line: string) => void,
) {
  await admin('POST', '/api/v1/packs', { content: PACK, format: 'yaml' });
  const account = async (name: string) =>
    (
      await admin<{ id: string }>('POST', '/api/v1/accounts', {
        name,
        credential: { type: 'windows', userName: name, password: `bench-${name}-password-7Qx` },
      })
    ).id;
  const serviceAccount = await account('bench-service');
  const computerAccount = await account('bench-computer');

  const agents = Array.from({ length: o.agents }, (_, i) =>
    newFleetAgent(`bench-agent-${String(i + 1).padStart(5, '0')}`),
  );
  // An administrator makes the tokens first (`steward agent token create`), then the agents enroll with them:
  // each is timed on its own.
  const tokensStarted = performance.now();
  const tokens = new Map<FleetAgent, string>();
  await forEachConcurrently(agents, o.setupConcurrency, async (a) => {
    const { token } = await admin<{ token: string }>('POST', '/api/v1/agents/enrollment-tokens', {
      computerName: a.computerName,
    });
    tokens.set(a, token);
  });
  const tokenSeconds = (performance.now() - tokensStarted) / 1000;
  progress(`created ${agents.length} enrollment tokens in ${tokenSeconds.toFixed(1)} s`);

  const enrollStarted = performance.now();
  await forEachConcurrently(agents, o.setupConcurrency, async (a) => {
    const out = await createAgentApi({ server: server.url, identity: a.identity }).enroll({
      computerName: a.computerName,
      token: tokens.get(a)!,
    });
    if (out.status !== 'approved') throw new Error(`${a.computerName} enrolled as ${out.status}`);
    a.id = out.agentId;
    a.identity.agentId = out.agentId;
  });
  const enrollSeconds = (performance.now() - enrollStarted) / 1000;
  progress(`enrolled ${agents.length} agents in ${enrollSeconds.toFixed(1)} s`);

  const objectsStarted = performance.now();
  const hosts = agents.flatMap((a) => Array.from({ length: o.servicesPerAgent }, (_, k) => ({ a, k })));
  await forEachConcurrently(hosts, o.setupConcurrency, async ({ a, k }) => {
    await admin('POST', '/api/v1/objects', { classId: SERVICE_CLASS, hostId: a.id, name: `svc-${k}` });
  });
  const objectsSeconds = (performance.now() - objectsStarted) / 1000;
  progress(`created ${hosts.length} services in ${objectsSeconds.toFixed(1)} s`);

  await admin('PUT', `/api/v1/accounts/${serviceAccount}/distribution`, {
    security: 'more-secure',
    approved: agents.filter((_, i) => i % 2 === 0).map((a) => a.id),
  });
  await admin('POST', `/api/v1/profiles/${SERVICE_PROFILE}/associations`, { accountId: serviceAccount });
  await admin('PUT', `/api/v1/accounts/${computerAccount}/distribution`, { security: 'less-secure' });
  return { agents, computerAccount, tokenSeconds, enrollSeconds, objectsSeconds, objects: hosts.length };
}

/**
 * `count` more accounts in use on every computer, for the reconnect storm: each distributed to every computer
 * (less secure) and associated with a profile of its own, run as by a computer workflow of a second pack. An
 * agent holds exactly the accounts its entries run as, so each of these is one credential more it fetches.
 */
export async function addAccountsInUse(admin: Admin, count: number): Promise<void> {
  const ids = Array.from({ length: count }, (_, i) => `Bench.Storm.${String(i).padStart(3, '0')}`);
  const pack = [
    'id: Bench.Storm',
    'version: 1.0.0',
    'references:',
    '  - { id: Steward.Library, minVersion: 1.0.0 }',
    'profiles:',
    ...ids.map(
      (id) => `  - { id: ${id}.Profile, displayName: ${id} account, contextClass: System.Computer }`,
    ),
    'workflows:',
    ...ids.flatMap((id) => [
      `  - id: ${id}.Check`,
      '    kind: monitor',
      '    target: System.Computer',
      `    runAs: ${id}.Profile`,
      `    action: { type: command, command: [check-${id}] }`,
      '    schedule: { intervalSeconds: 300 }',
    ]),
  ].join('\n');
  await admin('POST', '/api/v1/packs', { content: pack, format: 'yaml' });
  for (const [i, id] of ids.entries()) {
    const account = (
      await admin<{ id: string }>('POST', '/api/v1/accounts', {
        name: `bench-storm-${i}`,
        credential: { type: 'windows', userName: `storm${i}`, password: `bench-storm-${i}-password-7Qx` },
      })
    ).id;
    await admin('PUT', `/api/v1/accounts/${account}/distribution`, { security: 'less-secure' });
    await admin('POST', `/api/v1/profiles/${id}.Profile/associations`, { accountId: account });
  }
}

/** Every agent fetches its configuration once through the typed agent client; returns the entry counts. */
export async function collectTags(url: string, agents: FleetAgent[], concurrency: number): Promise<number[]> {
  const entries: number[] = [];
  await forEachConcurrently(agents, concurrency, async (a) => {
    const r = await createAgentApi({ server: url, identity: a.identity }).fetchConfig();
    if (r.kind !== 'changed') throw new Error(`${a.computerName}: no configuration on a full fetch`);
    a.tag = r.config.tag;
    entries.push(r.config.entries.length);
  });
  return entries;
}
