// Benchmark `agents`: one process simulating a fleet of agents (2,000 by default) over HTTP against one real
// Steward server on loopback: configuration fetches per second with p50/p99 latency, the time one association
// change takes to reach every affected agent's long-poll, and server RSS; beside a bare node:http server.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import {
  type ServerProcess,
  signInAsBootstrapAdmin,
  startServer,
  tempDir,
} from '../test/support/server-process.js';
import { createPostgresDatabase } from '../test/support/test-database.js';
import { adminOf } from './admin-session.js';
import { createConfigClient, type FleetLoadResult, runFleetLoad } from './agent-fleet.js';
import { measurePropagation, type Propagation, probe } from './agent-propagation.js';
import { addAccountsInUse, COMPUTER_PROFILE, COMPUTER_WORKFLOW, collectTags, setUp } from './agents-setup.js';
import { cpuProfileArgs, median, memoryOf, round } from './bench-stats.js';
import { measureRestartStorm, type RestartFigures } from './reconnect-storm.js';

interface Options {
  agents: number;
  servicesPerAgent: number;
  concurrency: number;
  seconds: number;
  rounds: number;
  changes: number;
  waitSeconds: number;
  setupConcurrency: number;
  logLevel: string;
  /** Less-secure accounts (every agent gets them) added before the restart phase; 0 skips the phase. */
  stormAccounts: number;
  /** Where the server process writes a V8 CPU profile when it stops (`--cpu-prof DIR`). */
  cpuProfileDir: string | undefined;
}

interface Figures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const progress = (line: string) => process.stderr.write(`[agents] ${line}\n`);

const describe = (r: FleetLoadResult) =>
  `${r.requests} requests in ${r.seconds.toFixed(1)} s: ${r.requestsPerSecond.toFixed(0)} req/s, ` +
  `p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ${r.meanBodyBytes.toFixed(0)} B` +
  `${r.errors ? `, ${r.errors} errors` : ''}`;

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      agents: { type: 'string', default: '2000' },
      'services-per-agent': { type: 'string', default: '4' },
      concurrency: { type: 'string', default: '64' },
      seconds: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      changes: { type: 'string', default: '3' },
      'wait-seconds': { type: 'string', default: '25' },
      'setup-concurrency': { type: 'string', default: '16' },
      'log-level': { type: 'string', default: 'warn' },
      'storm-accounts': { type: 'string', default: '19' },
      'cpu-prof': { type: 'string' },
    },
    strict: true,
  });
  const int = (name: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${name} must be an integer from ${min} to ${max}, not ${v}`);
    return n;
  };
  return {
    agents: int('agents', values.agents, 1, 20_000),
    servicesPerAgent: int('services-per-agent', values['services-per-agent'], 0, 1000),
    concurrency: int('concurrency', values.concurrency, 1),
    seconds: int('seconds', values.seconds, 1),
    rounds: int('rounds', values.rounds, 1),
    changes: int('changes', values.changes, 0),
    waitSeconds: int('wait-seconds', values['wait-seconds'], 1, 30),
    setupConcurrency: int('setup-concurrency', values['setup-concurrency'], 1),
    logLevel: values['log-level'],
    stormAccounts: int('storm-accounts', values['storm-accounts'], 0, 1000),
    cpuProfileDir: values['cpu-prof'],
  };
}

async function startBare(bodyFile: string): Promise<{ child: ChildProcess; url: string }> {
  const script = resolve(import.meta.dirname, 'bare-config-server.ts');
  // execArgv carries tsx's loader, so the child runs the TypeScript file the same way this one runs.
  const child = spawn(process.execPath, [...process.execArgv, script, bodyFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`the bare server exited (code ${code})`)));
    lines.once('line', (line) => ok((JSON.parse(line) as { port: number }).port));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

const summarize = (rs: FleetLoadResult[]): Figures => ({
  requestsPerSecond: round(median(rs.map((r) => r.requestsPerSecond)), 1),
  p50Ms: round(median(rs.map((r) => r.p50Ms))),
  p99Ms: round(median(rs.map((r) => r.p99Ms))),
});

const ratio = (s: Figures, b: Figures): Figures => ({
  requestsPerSecond: round(s.requestsPerSecond / b.requestsPerSecond, 3),
  p50Ms: round(s.p50Ms / b.p50Ms, 1),
  p99Ms: round(s.p99Ms / b.p99Ms, 1),
});

export async function runAgentsBench(args: string[]): Promise<Record<string, unknown>> {
  const o = parseOptions(args);
  const work = tempDir('steward-bench-agents-');
  const passwordFile = join(work, 'bootstrap-password');
  const database = process.env.DATABASE_URL ? await createPostgresDatabase() : undefined;
  let steward: ServerProcess | undefined;
  let bare: { child: ChildProcess; url: string } | undefined;
  try {
    const setupStarted = performance.now();
    progress(`starting Steward (${database ? 'PostgreSQL' : 'PGlite'}); setting up ${o.agents} agents`);
    const serverOptions = {
      dataDir: join(work, 'data'),
      env: {
        STEWARD_BOOTSTRAP_PASSWORD_FILE: passwordFile,
        STEWARD_LOG_LEVEL: o.logLevel,
        STEWARD_SERVER_NAME: 'bench',
        // The simulated agents are silent between phases, which a live agent (always long-polling) never is:
        // without this the watcher would call every one of them unavailable while the paths are measured.
        STEWARD_MISSED_HEARTBEAT_SECONDS: '3600',
        ...(database ? { DATABASE_URL: database.url } : {}),
      },
      nodeArgs: cpuProfileArgs(o.cpuProfileDir),
    };
    steward = await startServer(serverOptions);
    const token = await signInAsBootstrapAdmin(
      steward.url,
      readFileSync(passwordFile, 'utf8').trim(),
      `bench-agents-admin-${process.pid}-password`,
    );
    const admin = adminOf(steward.url, token);
    const fleet = await setUp(steward, admin, o, progress);
    const { agents } = fleet;
    const entries = await collectTags(steward.url, agents, o.concurrency);
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    const afterEnrollment = memoryOf(steward.pid);
    progress(
      `set up in ${setupSeconds.toFixed(1)} s; configuration entries per agent: median ${median(entries)}; ` +
        `server RSS ${afterEnrollment.rssMb} MiB`,
    );

    // The baseline answers with a real configuration of this fleet, so the bodies are the same size.
    const sample = createConfigClient(steward.url, 1);
    const sampleBody = (await sample.signed(agents[0]!, 'GET', '/api/v1/agent/config')).body;
    sample.close();
    const bodyFile = join(work, 'config-body.json');
    writeFileSync(bodyFile, sampleBody);
    bare = await startBare(bodyFile);
    const bareTag = (JSON.parse(sampleBody) as { tag: string }).tag;
    const targets = {
      steward: { url: steward.url, agents },
      bare: { url: bare.url, agents: agents.map((a) => ({ ...a, tag: bareTag })) },
    };

    const modes = ['full', 'not-modified'] as const;
    const key = { full: 'full', 'not-modified': 'notModified' } as const;
    // Every agent asks once in each mode before the rounds, as the agents of a fleet that has been running have:
    // the rounds measure a fleet's steady state, not the first request of each agent after its enrollment (signed
    // for the audience every server takes, its replay record written to the database; the storm measures that).
    progress('warming up: every agent asks once in each mode');
    for (const t of Object.values(targets))
      for (const mode of modes) {
        const w = await runFleetLoad({
          baseUrl: t.url,
          agents: t.agents,
          mode,
          concurrency: o.concurrency,
          seconds: 2,
          everyAgent: true,
        });
        if (w.errors) throw new Error(`warm-up of ${t.url} ${mode} failed: ${w.firstError}`);
      }

    const results = {
      steward: { full: [] as FleetLoadResult[], notModified: [] as FleetLoadResult[] },
      bare: { full: [] as FleetLoadResult[], notModified: [] as FleetLoadResult[] },
    };
    let errors = 0;
    let firstError: string | undefined;
    for (let r = 1; r <= o.rounds; r++) {
      // Interleaved, so slow drift of the machine touches both servers alike.
      for (const mode of modes) {
        for (const name of ['steward', 'bare'] as const) {
          const t = targets[name];
          const res = await runFleetLoad({
            baseUrl: t.url,
            agents: t.agents,
            mode,
            concurrency: o.concurrency,
            seconds: o.seconds,
          });
          results[name][key[mode]].push(res);
          errors += res.errors;
          firstError ??= res.firstError;
          progress(`round ${r}/${o.rounds} ${name} ${mode}: ${describe(res)}`);
          if (res.firstError) progress(`  first error: ${res.firstError}`);
        }
      }
    }
    const afterFetches = memoryOf(steward.pid);
    bare.child.kill('SIGTERM');
    bare = undefined;

    // Propagation: associate the computer account with the computer profile (every agent's computer is
    // targeted), then remove that association again, alternately.
    // "Quiet" is a check answering within a few times what it takes on the idle server.
    const idleProbeMs = median(await probe(steward.url, agents[0]!, 9));
    const quietThresholdMs = Math.max(5, 4 * idleProbeMs);
    const propagations: Propagation[] = [];
    let whileLongPollingMb = 0;
    let associationId: string | undefined;
    for (let c = 0; c < o.changes; c++) {
      const create = associationId === undefined;
      const p = await measurePropagation(
        steward.url,
        agents,
        { waitSeconds: o.waitSeconds, progress },
        steward.pid,
        quietThresholdMs,
        create ? 'association.create' : 'association.delete',
        async () => {
          if (associationId === undefined) {
            associationId = (
              await admin<{ id: string }>('POST', `/api/v1/profiles/${COMPUTER_PROFILE}/associations`, {
                accountId: fleet.computerAccount,
              })
            ).id;
          } else {
            await admin('DELETE', `/api/v1/associations/${associationId}`);
            associationId = undefined;
          }
        },
        (config) => {
          const e = config.entries.find((x) => x.workflowId === COMPUTER_WORKFLOW);
          return create
            ? e?.resolution.kind === 'account' && e.resolution.accountId === fleet.computerAccount
            : e?.resolution.kind === 'default-action-account';
        },
      );
      const { rssWhileLongPollingMb, firstError: propagationError, ...figures } = p;
      whileLongPollingMb = Math.max(whileLongPollingMb, rssWhileLongPollingMb);
      propagations.push(figures);
      errors += p.errors + p.missed + p.earlyReturns + p.unverified;
      firstError ??= propagationError;
      progress(
        `change ${c + 1}/${o.changes} (${p.change}): ${p.received}/${p.expectedAffected} agents received it ` +
          `(${p.verified} verified), p50 ${p.p50Ms} ms, last ${p.lastMs} ms; admin call ${p.adminCallMs} ms`,
      );
    }
    const afterLongPolls = memoryOf(steward.pid);

    // Restart: more accounts in use on every computer, then the server stops and starts on the same data, and
    // every agent reconnects at once for its configuration and credentials.
    let restart: RestartFigures | undefined;
    if (o.stormAccounts > 0) {
      await addAccountsInUse(admin, o.stormAccounts);
      const port = steward.port;
      const out = await measureRestartStorm({
        server: steward,
        restart: () => startServer({ ...serverOptions, port }),
        agents,
        concurrency: o.concurrency,
        progress,
      });
      steward = out.server;
      restart = out.figures;
      errors += restart.storm.errors;
      firstError ??= restart.storm.firstError;
    }

    const stewardFigures = {
      full: summarize(results.steward.full),
      notModified: summarize(results.steward.notModified),
    };
    const bareFigures = {
      full: summarize(results.bare.full),
      notModified: summarize(results.bare.notModified),
    };
    if (errors) process.exitCode = 1;
    return {
      benchmark: 'agents',
      at: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      database: database ? 'postgres' : 'pglite',
      stewardLogLevel: o.logLevel,
      agents: o.agents,
      servicesPerAgent: o.servicesPerAgent,
      configEntriesPerAgent: median(entries),
      configBodyBytes: round(median(results.steward.full.map((r) => r.meanBodyBytes)), 0),
      setup: {
        seconds: round(setupSeconds, 1),
        enrollmentTokenSeconds: round(fleet.tokenSeconds, 1),
        enrollmentTokensPerSecond: round(o.agents / fleet.tokenSeconds, 1),
        enrollSeconds: round(fleet.enrollSeconds, 1),
        enrollmentsPerSecond: round(o.agents / fleet.enrollSeconds, 1),
        objects: fleet.objects,
        objectsSeconds: round(fleet.objectsSeconds, 1),
      },
      fetch: {
        concurrency: o.concurrency,
        rounds: o.rounds,
        secondsPerMeasurement: o.seconds,
        statistic: 'median of rounds',
        steward: stewardFigures,
        bare: bareFigures,
        ratio: {
          full: ratio(stewardFigures.full, bareFigures.full),
          notModified: ratio(stewardFigures.notModified, bareFigures.notModified),
        },
      },
      propagation: {
        waitSeconds: o.waitSeconds,
        changes: propagations,
        medianP50Ms: round(median(propagations.map((p) => p.p50Ms))),
        medianLastMs: round(median(propagations.map((p) => p.lastMs))),
      },
      restart,
      serverMemoryMb: {
        rssAfterEnrollment: afterEnrollment.rssMb,
        rssAfterFetches: afterFetches.rssMb,
        rssWhileLongPolling: whileLongPollingMb,
        rssAfterLongPolls: afterLongPolls.rssMb,
        peak: afterLongPolls.peakMb,
      },
      loadProcessPeakRssMb: round((process.resourceUsage().maxRSS * 1024) / 1048576, 0),
      errors,
      firstError,
    };
  } finally {
    bare?.child.kill('SIGTERM');
    await steward?.stop('SIGTERM');
    await database?.drop();
    rmSync(work, { recursive: true, force: true });
  }
}
