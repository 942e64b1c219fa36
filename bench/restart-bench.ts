// Benchmark `restart`: a real server restarted on a management group of fleet size (15,000 agents, 300,000 objects
// by default; the shapes of resolve-bench's synthetic group), on PGlite or on PostgreSQL (DATABASE_URL): how long
// until it answers /readyz and an enrolled agent's configuration, its peak RSS, and the steps of its start timed
// one by one in this process on the same data.
import { readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createAgentApi } from '../src/agent/agent-api.js';
import { agentConfigSchema } from '../src/contract/agents.js';
import { createResolutionEngine } from '../src/domain/resolution/resolution-engine.js';
import { loadResolutionInput } from '../src/server/modules/resolution/resolution-loader.js';
import { createDb, type Database } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import {
  type ServerProcess,
  type ServerProcessOptions,
  signInAsBootstrapAdmin,
  startServer,
  tempDir,
} from '../test/support/server-process.js';
import { createPostgresDatabase } from '../test/support/test-database.js';
import { type Admin, adminOf } from './admin-session.js';
import { createConfigClient, type FleetAgent, forEachConcurrently, newFleetAgent } from './agent-fleet.js';
import { cpuProfileArgs, median, memoryOf, round } from './bench-stats.js';
import { defaultResolveOptions, syntheticGroup } from './resolve-bench.js';
import { benchPack, el, writeBulk } from './restart-seed.js';

interface Options {
  agents: number;
  objectsPerAgent: number;
  /** Agents enrolled through the API (the rest are written in bulk); the first one asks for its configuration. */
  enrolled: number;
  restarts: number;
  concurrency: number;
  logLevel: string;
  /** Where the restarted server writes a V8 CPU profile when it stops (`--cpu-prof DIR`). */
  cpuProfileDir: string | undefined;
}

const progress = (line: string) => process.stderr.write(`[restart] ${line}\n`);
const since = (t0: number) => (performance.now() - t0) / 1000;

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      agents: { type: 'string', default: '15000' },
      'objects-per-agent': { type: 'string', default: '20' },
      enrolled: { type: 'string', default: '4' },
      restarts: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '16' },
      'log-level': { type: 'string', default: 'warn' },
      'cpu-prof': { type: 'string' },
    },
    strict: true,
  });
  const int = (name: string, v: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${name} must be an integer from ${min} to ${max}, not ${v}`);
    return n;
  };
  const agents = int('agents', values.agents, 10, 100_000);
  return {
    agents,
    objectsPerAgent: int('objects-per-agent', values['objects-per-agent'], 0, 200),
    enrolled: int('enrolled', values.enrolled, 1, Math.min(100, agents)),
    restarts: int('restarts', values.restarts, 1, 20),
    concurrency: int('concurrency', values.concurrency, 1, 256),
    logLevel: values['log-level'],
    cpuProfileDir: values['cpu-prof'],
  };
}

const peakRssMb = (pid: number) => round(memoryOf(pid).peakMb, 0);

/** Enrolls the first `n` synthetic computers through the API, with tokens, as Windows agents. */
async function enroll(url: string, admin: Admin, names: string[]): Promise<FleetAgent[]> {
  const agents = names.map((n) => newFleetAgent(n));
  for (const a of agents) {
    const { token } = await admin<{ token: string }>('POST', '/api/v1/agents/enrollment-tokens', {
      computerName: a.computerName,
    });
    const out = await createAgentApi({ server: url, identity: a.identity }).enroll({
      computerName: a.computerName,
      token,
      platform: 'windows',
    });
    if (out.status !== 'approved') throw new Error(`${a.computerName} enrolled as ${out.status}`);
    a.id = out.agentId;
    a.identity.agentId = out.agentId;
  }
  return agents;
}

/** Accounts (with their distribution), groups and associations of the synthetic group, through the API. */
async function seedThroughApi(
  admin: Admin,
  g: ReturnType<typeof syntheticGroup>,
  ids: Map<string, string>,
  c: number,
) {
  const accountIds = new Map<string, string>();
  let t = performance.now();
  const seconds: Record<string, number> = {};
  const lap = (name: string, count: number) => {
    seconds[name] = round(since(t), 1);
    progress(`${count} ${name} made through the API in ${seconds[name]} s`);
    t = performance.now();
  };
  await forEachConcurrently(g.accounts, c, async (a) => {
    const { id } = await admin<{ id: string }>('POST', '/api/v1/accounts', {
      name: `bench-${a.id}`,
      credential: { type: 'windows', userName: a.id, password: `bench-${a.id}-password-7Qx` },
    });
    accountIds.set(a.id, id);
    await admin('PUT', `/api/v1/accounts/${id}/distribution`, {
      security: a.security,
      ...(a.security === 'more-secure' ? { approved: a.approved.map((x) => ids.get(x)!) } : {}),
    });
  });
  lap('accounts', g.accounts.length);
  const body = (x: (typeof g.groups)[number]) => ({
    id: el(x.id),
    members: x.members.map((m) => ids.get(m)!),
    rules: x.rules.map((r) => ({ classId: el(r.classId), conditions: r.conditions })),
    subgroups: x.subgroups.map(el),
  });
  // Nested groups name earlier groups: made one after another once the others are in.
  await forEachConcurrently(
    g.groups.filter((x) => !x.subgroups.length),
    c,
    (x) => admin('POST', '/api/v1/groups', body(x)).then(() => undefined),
  );
  for (const x of g.groups.filter((x) => x.subgroups.length)) await admin('POST', '/api/v1/groups', body(x));
  lap('groups', g.groups.length);
  // The synthetic draw repeats a few (profile, account, scope) triples: the API refuses those, so they are left out.
  const seen = new Set<string>();
  const associations = g.associations.filter((a) => {
    const key = `${a.profileId}|${a.accountId}|${JSON.stringify(a.scope)}`;
    return !seen.has(key) && seen.add(key);
  });
  await forEachConcurrently(associations, c, async (a) => {
    const s = a.scope;
    const scope =
      s.kind === 'object'
        ? { kind: 'object', objectId: ids.get(s.objectId)! }
        : s.kind === 'group'
          ? { kind: 'group', groupId: el(s.groupId) }
          : s.kind === 'class'
            ? { kind: 'class', classId: el(s.classId) }
            : { kind: 'all' };
    await admin('POST', `/api/v1/profiles/${el(a.profileId)}/associations`, {
      accountId: accountIds.get(a.accountId)!,
      scope,
      enforced: a.enforced,
    });
  });
  lap('associations', associations.length);
  return {
    shape: { accounts: g.accounts.length, groups: g.groups.length, associations: associations.length },
    seconds,
  };
}

/** The configuration `agent` is answered with: status, tag and body. */
async function configOf(url: string, agent: FleetAgent) {
  const client = createConfigClient(url, 1);
  try {
    return await client.signed(agent, 'GET', '/api/v1/agent/config');
  } finally {
    client.close();
  }
}

/** The steps of a start that touch the data, timed one by one in this process (no server running). */
async function timeStartSteps(open: () => Promise<Database>, agentId: string) {
  let t = performance.now();
  const database = await open();
  const openMs = performance.now() - t;
  try {
    t = performance.now();
    await migrate(database);
    const migrateCheckMs = performance.now() - t;
    t = performance.now();
    const input = await loadResolutionInput(database.db, new Date(Date.now() - 60_000));
    const loadMs = performance.now() - t;
    t = performance.now();
    const engine = createResolutionEngine(input);
    const engineBuildMs = performance.now() - t;
    t = performance.now();
    const entries = engine.configOf(agentId)?.entries.length ?? 0;
    const firstConfigMs = performance.now() - t;
    return {
      openMs: round(openMs, 0),
      migrateCheckMs: round(migrateCheckMs, 0),
      loadResolutionInputMs: round(loadMs, 0),
      engineBuildMs: round(engineBuildMs, 0),
      firstConfigMs: round(firstConfigMs, 1),
      rowsLoaded: { objects: input.objects.length, runners: input.runners.length, entries },
    };
  } finally {
    await database.close();
  }
}

export async function runRestartBench(args: string[]): Promise<Record<string, unknown>> {
  const o = parseOptions(args);
  const g = syntheticGroup({
    ...defaultResolveOptions,
    agents: o.agents,
    objectsPerAgent: o.objectsPerAgent,
  });
  const work = tempDir('steward-bench-restart-');
  const dataDir = join(work, 'data');
  const passwordFile = join(work, 'bootstrap-password');
  const database = process.env.DATABASE_URL ? await createPostgresDatabase() : undefined;
  const openDatabase = () =>
    createDb(
      database
        ? { kind: 'postgres', url: database.url }
        : { kind: 'pglite', dataDir: join(dataDir, 'pglite') },
    );
  const serverOptions = (port?: number, nodeArgs: string[] = []): ServerProcessOptions => ({
    dataDir,
    ...(port ? { port } : {}),
    readyTimeoutMs: 600_000,
    nodeArgs,
    env: {
      STEWARD_BOOTSTRAP_PASSWORD_FILE: passwordFile,
      STEWARD_LOG_LEVEL: o.logLevel,
      STEWARD_SERVER_NAME: 'bench',
      ...(database ? { DATABASE_URL: database.url } : {}),
    },
  });
  let server: ServerProcess | undefined;
  try {
    progress(
      `${database ? 'PostgreSQL' : 'PGlite'}: ${g.runners.length - 1} agents, ${g.objects.length} objects`,
    );
    const seedStarted = performance.now();
    server = await startServer(serverOptions());
    const port = server.port;
    const token = await signInAsBootstrapAdmin(
      server.url,
      readFileSync(passwordFile, 'utf8').trim(),
      `bench-restart-admin-${process.pid}-password`,
    );
    let admin = adminOf(server.url, token);
    await admin('POST', '/api/v1/packs', { content: benchPack(g), format: 'yaml' });
    const computerIds = g.runners.filter((r) => r.kind === 'agent').map((r) => r.id);
    const names = new Map(g.objects.filter((x) => x.hostId === null).map((x) => [x.id, x.name]));
    const enrolledIds = computerIds.slice(0, o.enrolled);
    const enrolled = await enroll(
      server.url,
      admin,
      enrolledIds.map((c) => names.get(c)!),
    );
    progress(`pack imported, ${enrolled.length} agents enrolled through the API`);
    await server.stop('SIGTERM');
    server = undefined;

    const bulkDb = await openDatabase();
    const bulk = await writeBulk(
      bulkDb,
      dataDir,
      g,
      new Map(enrolledIds.map((c, i) => [c, enrolled[i]!.id])),
      progress,
    ).finally(() => bulkDb.close());
    progress(`bulk written in ${bulk.figures.writeSeconds.toFixed(1)} s; starting on it`);

    let started = performance.now();
    server = await startServer(serverOptions(port));
    const firstStartSeconds = since(started);
    admin = adminOf(server.url, token);
    const apiStarted = performance.now();
    const viaApi = await seedThroughApi(admin, g, bulk.ids, o.concurrency);
    const apiSeconds = since(apiStarted);
    const seedSeconds = since(seedStarted);

    const probe = enrolled[0]!;
    const before = await configOf(server.url, probe);
    if (before.status !== 200) throw new Error(`configuration before the restart: ${before.status}`);
    const entries = agentConfigSchema.parse(JSON.parse(before.body)).entries.length;
    const bulkProbe = bulk.bulkAgents[bulk.bulkAgents.length - 1];
    const bulkStatus = bulkProbe ? (await configOf(server.url, bulkProbe)).status : undefined;
    progress(`seeded in ${seedSeconds.toFixed(1)} s; the probe agent has ${entries} entries; restarting`);

    const restarts: {
      stopSeconds: number;
      readySeconds: number;
      firstConfigSeconds: number;
      peakRssMb: number;
    }[] = [];
    let errors = bulkStatus === undefined || bulkStatus === 200 ? 0 : 1;
    let firstError = errors ? `a bulk agent's configuration: ${bulkStatus}` : undefined;
    for (let r = 1; r <= o.restarts; r++) {
      started = performance.now();
      await server.stop('SIGTERM');
      const stopSeconds = since(started);
      server = undefined;
      // The profile (if asked for) covers the last start only.
      const nodeArgs = r === o.restarts ? cpuProfileArgs(o.cpuProfileDir) : [];
      started = performance.now();
      server = await startServer(serverOptions(port, nodeArgs));
      const readySeconds = since(started);
      const after = await configOf(server.url, probe);
      const firstConfigSeconds = since(started);
      if (after.status !== 200 || after.body !== before.body) {
        errors++;
        firstError ??= `restart ${r}: ${after.status}, ${after.body === before.body ? 'same' : 'another'} configuration`;
      }
      const figures = {
        stopSeconds: round(stopSeconds),
        readySeconds: round(readySeconds),
        firstConfigSeconds: round(firstConfigSeconds),
        peakRssMb: peakRssMb(server.pid),
      };
      restarts.push(figures);
      progress(`restart ${r}/${o.restarts}: ${JSON.stringify(figures)}`);
    }
    await server.stop('SIGTERM');
    server = undefined;
    progress('timing the steps of a start in this process');
    const steps = await timeStartSteps(openDatabase, probe.id);

    if (errors) process.exitCode = 1;
    const med = (k: 'readySeconds' | 'firstConfigSeconds' | 'peakRssMb' | 'stopSeconds') =>
      round(median(restarts.map((x) => x[k])));
    return {
      benchmark: 'restart',
      at: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      database: database ? 'postgres' : 'pglite',
      shape: {
        agents: o.agents,
        objects: g.objects.length - 1,
        enrolledThroughApi: o.enrolled,
        ...viaApi.shape,
        probeConfigEntries: entries,
      },
      seed: {
        seconds: round(seedSeconds, 1),
        bulk: {
          ...bulk.figures,
          keySeconds: round(bulk.figures.keySeconds, 1),
          writeSeconds: round(bulk.figures.writeSeconds, 1),
        },
        firstStartOnBulkSeconds: round(firstStartSeconds, 1),
        apiSeconds: { total: round(apiSeconds, 1), ...viaApi.seconds },
        audit:
          'every bulk row has the audit record the server writes for it, chained with the key of the data directory',
      },
      restart: {
        statistic: `median of ${o.restarts}`,
        stopSeconds: med('stopSeconds'),
        readySeconds: med('readySeconds'),
        firstConfigSeconds: med('firstConfigSeconds'),
        peakRssMb: med('peakRssMb'),
        each: restarts,
      },
      startSteps: steps,
      goals: { readySeconds: 10 },
      errors,
      firstError,
    };
  } finally {
    await server?.stop('SIGTERM');
    await database?.drop();
    rmSync(work, { recursive: true, force: true });
  }
}
