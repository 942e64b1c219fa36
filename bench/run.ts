// `npm run bench -- <name> [options]`: runs benchmarks and prints one JSON object per benchmark on stdout (progress on stderr).
import { runAgentsBench } from './agents-bench.js';
import { runApiBench } from './api-bench.js';
import { defaultResolveOptions, runResolveBench } from './resolve-bench.js';

const benchmarks: Record<
  string,
  { summary: string; run: (args: string[]) => Promise<Record<string, unknown>> }
> = {
  api: {
    summary:
      'objects API write and read throughput of a real server against a bare node:http server ' +
      '(options: --rounds 5 --concurrency 16 --seconds 5 --write-requests 20000 --read-requests 50000 ' +
      '--read-set 1000: reads stride through the first N objects written, 0 for all --log-level warn ' +
      '--cpu-prof DIR: the server writes a CPU profile there)',
    run: runApiBench,
  },
  agents: {
    summary:
      'a fleet of agents over HTTP against one server: configuration fetches, propagation of one association ' +
      'change to every long-poll, server RSS, a restart and every agent reconnecting at once for its configuration ' +
      'and credentials; beside a bare node:http server (options: --agents 2000 --services-per-agent 4 ' +
      '--concurrency 64 --seconds 5 --rounds 3 --changes 3 --wait-seconds 25 --storm-accounts 19 --log-level warn ' +
      '--cpu-prof DIR)',
    run: runAgentsBench,
  },
  notify: (await import('./notify-bench.js')).notifyBenchmark,
  jobs: {
    summary:
      'jobs of a trivial shell runbook completed per second, in the cloud (one server) and on a hybrid worker ' +
      'group of real agents, queue latency p50/p99, beside bare bash spawns at the same parallelism ' +
      '(options: --jobs 200 --rounds 3 --agents 4 --log-level warn)',
    run: async (args) => (await import('./jobs-bench.js')).runJobsBench(args),
  },
  tokens: (await import('./tokens-bench.js')).tokensBenchmark,
  restart: {
    summary:
      'a real server restarted on a synthetic group (15,000 agents, 300,000 objects; PGlite, or PostgreSQL with ' +
      "DATABASE_URL): seconds to ready and to an enrolled agent's configuration, peak RSS, the steps of a start " +
      '(options: --agents 15000 --objects-per-agent 20 --enrolled 4 --restarts 2 --concurrency 16 --log-level warn ' +
      '--cpu-prof DIR: the last restart writes a CPU profile there)',
    run: async (args) => (await import('./restart-bench.js')).runRestartBench(args),
  },
  resolve: {
    summary:
      'resolution of a synthetic group (15,000 agents, 300,000 objects): full computation, incremental updates, ' +
      'p50/p99/max of each kind, explain queries per second (options: --agents 15000 --samples 20)',
    run: async (args) => {
      const opt = (flag: string, fallback: number) => {
        const i = args.indexOf(flag);
        return i >= 0 ? Number(args[i + 1]) : fallback;
      };
      return runResolveBench(
        {
          ...defaultResolveOptions,
          agents: opt('--agents', defaultResolveOptions.agents),
          samples: opt('--samples', defaultResolveOptions.samples),
        },
        (line) => process.stderr.write(`${line}\n`),
      );
    },
  },
};

function usage(): string {
  const lines = Object.entries(benchmarks).map(([name, b]) => `  ${name.padEnd(8)} ${b.summary}`);
  return `usage: npm run bench -- <name> [options]   (no name: every benchmark)\n\nbenchmarks:\n${lines.join('\n')}\n`;
}

const [name, ...rest] = process.argv.slice(2);
if (name === '--help' || name === '-h') {
  process.stdout.write(usage());
} else if (name !== undefined && !(name in benchmarks)) {
  process.stderr.write(`unknown benchmark '${name}'\n\n${usage()}`);
  process.exitCode = 2;
} else {
  const chosen = name === undefined ? Object.keys(benchmarks) : [name];
  for (const n of chosen) {
    try {
      const result = await benchmarks[n]!.run(n === name ? rest : []);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } catch (err) {
      process.stderr.write(`benchmark ${n} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  }
}
