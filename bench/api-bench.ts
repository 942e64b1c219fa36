// Benchmark `api`: write and read throughput of the objects API of a real Steward server, beside a bare node:http server doing the trivial part of the same work.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  api,
  type ServerProcess,
  signInAsBootstrapAdmin,
  startServer,
  tempDir,
} from '../test/support/server-process.js';
import { cpuProfileArgs, cpuReadings, cpuSecondsBetween, median, round } from './bench-stats.js';
import { type HttpCall, type LoadResult, runLoad } from './load-generator.js';

const CLASS_ID = 'Bench.Service';

interface Target {
  name: 'steward' | 'bare';
  url: string;
  token: string;
  hostId: string;
  ids: string[];
  /** The processes whose CPU time the requests cost: the server's, and the database's backends. */
  processes: () => Promise<{ server: number[]; database: number[] }>;
}

/** CPU time per request, in ms: the server process (all threads), and PostgreSQL's backends. */
interface CpuPerRequest {
  server: number;
  database?: number;
}

interface Figures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRequest: CpuPerRequest;
}

/** A load's result with the CPU time it cost, per request. */
type Measured = LoadResult & { cpuMsPerRequest: CpuPerRequest };

async function withCpu(t: Target, load: () => Promise<LoadResult>): Promise<Measured> {
  const before = await t.processes();
  const readings = { server: cpuReadings(before.server), database: cpuReadings(before.database) };
  const r = await load();
  // Backends the pool opened during the load count from zero; one it closed is not counted.
  const after = await t.processes();
  const perRequest = (seconds: number) => round((seconds * 1000) / Math.max(1, r.requests), 3);
  return {
    ...r,
    cpuMsPerRequest: {
      server: perRequest(cpuSecondsBetween(readings.server, cpuReadings(after.server))),
      ...(after.database.length
        ? { database: perRequest(cpuSecondsBetween(readings.database, cpuReadings(after.database))) }
        : {}),
    },
  };
}

/** The pids of the PostgreSQL backends connected to the database at `url`, but the one asking. */
async function backendsOf(url: string): Promise<number[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return rows.map((r) => r.pid);
  } finally {
    await c.end();
  }
}

const progress = (line: string) => process.stderr.write(`[api] ${line}\n`);

const describe = (r: Measured) =>
  `${r.requests} requests in ${r.seconds.toFixed(1)} s: ${r.requestsPerSecond.toFixed(0)} req/s, ` +
  `p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, CPU ${r.cpuMsPerRequest.server} ms a request` +
  `${r.cpuMsPerRequest.database === undefined ? '' : ` (+ ${r.cpuMsPerRequest.database} ms database)`}` +
  `${r.errors ? `, ${r.errors} errors` : ''}`;

/** A fresh PostgreSQL database beside the one DATABASE_URL names, dropped at the end. */
async function freshPostgresDatabase(url: string) {
  const name = `steward_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

async function startBare(token: string): Promise<{ child: ChildProcess; url: string }> {
  const script = resolve(import.meta.dirname, 'bare-server.ts');
  // execArgv carries tsx's loader, so the child runs the TypeScript file the same way this one runs.
  const child = spawn(process.execPath, [...process.execArgv, script, token], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`the bare server exited (code ${code})`)));
    lines.once('line', (line) => ok((JSON.parse(line) as { port: number }).port));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function setUpSteward(
  server: ServerProcess,
  passwordFile: string,
  databaseUrl: string | undefined,
): Promise<Target> {
  const oneTime = readFileSync(passwordFile, 'utf8').trim();
  const token = await signInAsBootstrapAdmin(server.url, oneTime, `bench-${randomBytes(12).toString('hex')}`);
  const cls = await api(server.url, 'POST', '/api/v1/classes', {
    token,
    body: {
      id: CLASS_ID,
      displayName: 'Benchmark service',
      hosted: true,
      keyProperties: ['ServiceName'],
      properties: [
        { name: 'ServiceName', type: 'string' },
        { name: 'Port', type: 'int' },
      ],
    },
  });
  if (cls.status !== 201)
    throw new Error(`POST /api/v1/classes answered ${cls.status}: ${JSON.stringify(cls.body)}`);
  const computer = await api<{ id: string }>(server.url, 'POST', '/api/v1/computers', {
    token,
    body: { name: 'bench-01.example.test' },
  });
  if (computer.status !== 201)
    throw new Error(`POST /api/v1/computers answered ${computer.status}: ${JSON.stringify(computer.body)}`);
  return {
    name: 'steward',
    url: server.url,
    token,
    hostId: computer.body.id,
    ids: [],
    processes: async () => ({
      server: [server.pid],
      database: databaseUrl ? await backendsOf(databaseUrl) : [],
    }),
  };
}

function writeCall(t: Target, tag: string) {
  return (i: number): HttpCall => {
    const name = `svc-${tag}-${i}`;
    return {
      method: 'POST',
      path: '/api/v1/objects',
      body: {
        classId: CLASS_ID,
        hostId: t.hostId,
        name,
        properties: { ServiceName: name, Port: 1024 + (i % 50_000) },
      },
    };
  };
}

async function measureWrites(t: Target, tag: string, o: Options): Promise<Measured> {
  return withCpu(t, () =>
    runLoad({
      baseUrl: t.url,
      token: t.token,
      concurrency: o.concurrency,
      maxRequests: o.writeRequests,
      maxSeconds: o.seconds,
      call: writeCall(t, tag),
      onResult: (_i, r) => {
        if (r.status === 201) t.ids.push((JSON.parse(r.body) as { id: string }).id);
      },
    }),
  );
}

async function measureReads(t: Target, o: Options): Promise<Measured> {
  // The same objects whatever the write rate: a faster write phase must not turn the reads into first reads.
  const ids = o.readSet ? t.ids.slice(0, o.readSet) : t.ids;
  if (ids.length === 0) throw new Error(`no ${t.name} objects to read: every write failed`);
  return withCpu(t, () =>
    runLoad({
      baseUrl: t.url,
      token: t.token,
      concurrency: o.concurrency,
      maxRequests: o.readRequests,
      maxSeconds: o.seconds,
      // A stride through every object created so far, not one hot row.
      call: (i) => ({ method: 'GET', path: `/api/v1/objects/${ids[(i * 7919) % ids.length]}` }),
    }),
  );
}

interface Options {
  rounds: number;
  concurrency: number;
  seconds: number;
  writeRequests: number;
  /** Reads stride through the first this many objects written (0: every object written so far). */
  readSet: number;
  readRequests: number;
  logLevel: string;
  /** Where the server process writes a V8 CPU profile when it stops (`--cpu-prof DIR`). */
  cpuProfileDir: string | undefined;
}

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      rounds: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '16' },
      seconds: { type: 'string', default: '5' },
      'write-requests': { type: 'string', default: '20000' },
      'read-requests': { type: 'string', default: '50000' },
      'read-set': { type: 'string', default: '1000' },
      'log-level': { type: 'string', default: 'warn' },
      'cpu-prof': { type: 'string' },
    },
    strict: true,
  });
  const int = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, not ${v}`);
    return n;
  };
  return {
    rounds: int('rounds', values.rounds, 1),
    concurrency: int('concurrency', values.concurrency, 1),
    seconds: int('seconds', values.seconds, 1),
    writeRequests: int('write-requests', values['write-requests'], 1),
    readRequests: int('read-requests', values['read-requests'], 1),
    readSet: int('read-set', values['read-set'], 0),
    logLevel: values['log-level'],
    cpuProfileDir: values['cpu-prof'],
  };
}

const summarize = (rs: Measured[]): Figures => {
  const database = rs.flatMap((r) => r.cpuMsPerRequest.database ?? []);
  return {
    requestsPerSecond: round(median(rs.map((r) => r.requestsPerSecond)), 1),
    p50Ms: round(median(rs.map((r) => r.p50Ms))),
    p99Ms: round(median(rs.map((r) => r.p99Ms))),
    cpuMsPerRequest: {
      server: round(median(rs.map((r) => r.cpuMsPerRequest.server)), 3),
      ...(database.length ? { database: round(median(database), 3) } : {}),
    },
  };
};

const ratio = (s: Figures, b: Figures) => ({
  requestsPerSecond: round(s.requestsPerSecond / b.requestsPerSecond, 3),
  p50Ms: round(s.p50Ms / b.p50Ms, 1),
  p99Ms: round(s.p99Ms / b.p99Ms, 1),
  /** The server's CPU time per request against the bare server's. */
  serverCpuMsPerRequest: round(s.cpuMsPerRequest.server / b.cpuMsPerRequest.server, 1),
});

export async function runApiBench(args: string[]): Promise<Record<string, unknown>> {
  const o = parseOptions(args);
  const databaseUrl = process.env.DATABASE_URL;
  const work = tempDir('steward-bench-');
  const passwordFile = join(work, 'bootstrap-password');
  const database = databaseUrl ? await freshPostgresDatabase(databaseUrl) : undefined;
  let steward: ServerProcess | undefined;
  let bare: { child: ChildProcess; url: string } | undefined;
  try {
    progress(`starting Steward (${database ? 'PostgreSQL' : 'PGlite'}) and the bare server`);
    steward = await startServer({
      dataDir: join(work, 'data'),
      env: {
        STEWARD_BOOTSTRAP_PASSWORD_FILE: passwordFile,
        STEWARD_LOG_LEVEL: o.logLevel,
        STEWARD_SERVER_NAME: 'bench',
        ...(database ? { DATABASE_URL: database.url } : {}),
      },
      nodeArgs: cpuProfileArgs(o.cpuProfileDir),
    });
    const s = await setUpSteward(steward, passwordFile, database?.url);
    const bareToken = randomBytes(24).toString('base64url');
    bare = await startBare(bareToken);
    const barePid = bare.child.pid!;
    const b: Target = {
      name: 'bare',
      url: bare.url,
      token: bareToken,
      hostId: 'cmp_bare',
      ids: [],
      processes: async () => ({ server: [barePid], database: [] }),
    };

    progress('warming up');
    for (const t of [s, b]) {
      const warm = { ...o, seconds: 3, writeRequests: 500, readRequests: 2000 };
      const w = await measureWrites(t, 'warm', warm);
      const r = await measureReads(t, warm);
      if (w.errors || r.errors)
        throw new Error(`${t.name} failed during warm-up: ${w.firstError ?? r.firstError}`);
    }

    const results = {
      steward: { write: [] as Measured[], read: [] as Measured[] },
      bare: { write: [] as Measured[], read: [] as Measured[] },
    };
    let errors = 0;
    for (let round = 1; round <= o.rounds; round++) {
      // Interleaved, so slow drift of the machine touches both servers alike.
      for (const kind of ['write', 'read'] as const) {
        for (const t of [s, b]) {
          const r = kind === 'write' ? await measureWrites(t, `r${round}`, o) : await measureReads(t, o);
          results[t.name][kind].push(r);
          errors += r.errors;
          progress(`round ${round}/${o.rounds} ${t.name} ${kind}: ${describe(r)}`);
          if (r.firstError) progress(`  first error: ${r.firstError}`);
        }
      }
    }

    const stewardFigures = { write: summarize(results.steward.write), read: summarize(results.steward.read) };
    const bareFigures = { write: summarize(results.bare.write), read: summarize(results.bare.read) };
    if (errors) process.exitCode = 1;
    return {
      benchmark: 'api',
      at: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      database: database ? 'postgres' : 'pglite',
      stewardLogLevel: o.logLevel,
      concurrency: o.concurrency,
      rounds: o.rounds,
      secondsPerMeasurement: o.seconds,
      statistic: 'median of rounds',
      steward: stewardFigures,
      bare: bareFigures,
      ratio: {
        write: ratio(stewardFigures.write, bareFigures.write),
        read: ratio(stewardFigures.read, bareFigures.read),
      },
      errors,
      objectsCreated: s.ids.length,
    };
  } finally {
    bare?.child.kill('SIGTERM');
    await steward?.stop('SIGTERM');
    await database?.drop();
    rmSync(work, { recursive: true, force: true });
  }
}
