// Benchmark `notify`: subscription criteria matching in process (alerts per second against every subscription),
// then an alert storm through a real server to a local SMTP server (messages per second, delay from raise to
// receipt), beside raw nodemailer sending to the same SMTP server.
import { readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type ServerProcess,
  signInAsBootstrapAdmin,
  startServer,
  tempDir,
} from '../test/support/server-process.js';
import { type Smtp, startSmtp } from '../test/support/smtp-server.js';
import { createPostgresDatabase } from '../test/support/test-database.js';
import { adminOf } from './admin-session.js';
import { forEachConcurrently } from './agent-fleet.js';
import {
  cpuProfileArgs,
  cpuReadings,
  cpuSecondsBetween,
  median,
  memoryOf,
  percentile,
  round,
} from './bench-stats.js';
import { measureMatching } from './notify-matching.js';
import { awaitReceipts, measurePaced } from './notify-paced.js';
import { setUpServer, waitForNotifier } from './notify-setup.js';
import { measureBaseline, messageIdOf, NOTIFIER_CONCURRENCY, subjectOf } from './notify-smtp.js';
import type { WorkloadSizes } from './notify-workload.js';

const progress = (line: string) => process.stderr.write(`[notify] ${line}\n`);

interface Options extends WorkloadSizes {
  e2eAlerts: number;
  pagingSubscriptions: number;
  pageEvery: number;
  baselineMessages: number;
  concurrency: number;
  setupConcurrency: number;
  smtpDelayMs: number;
  stallSeconds: number;
  logLevel: string;
  /** Where the server process writes a V8 CPU profile when it stops (`--cpu-prof DIR`). */
  cpuProfileDir: string | undefined;
  skipE2e: boolean;
  /** The paced storm: alerts a second, and for how long (0: none). */
  pacedRate: number;
  pacedSeconds: number;
  /** Alerts the scan the index replaced is measured on (it is slow). */
  scanSample: number;
}

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      alerts: { type: 'string', default: '50000' },
      subscriptions: { type: 'string', default: '10000' },
      subscribers: { type: 'string', default: '2000' },
      'e2e-alerts': { type: 'string' },
      'paging-subscriptions': { type: 'string', default: '10' },
      'page-every': { type: 'string', default: '10' },
      'baseline-messages': { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '16' },
      'setup-concurrency': { type: 'string', default: '16' },
      'smtp-delay-ms': { type: 'string', default: '0' },
      'stall-seconds': { type: 'string', default: '120' },
      seed: { type: 'string', default: '11' },
      'log-level': { type: 'string', default: 'warn' },
      'cpu-prof': { type: 'string' },
      'skip-e2e': { type: 'boolean', default: false },
      'paced-rate': { type: 'string', default: '100' },
      'paced-seconds': { type: 'string', default: '10' },
      'scan-sample': { type: 'string', default: '1000' },
    },
    strict: true,
  });
  const int = (name: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${name} must be an integer from ${min} to ${max}, not ${v}`);
    return n;
  };
  const alerts = int('alerts', values.alerts, 1);
  const subscriptions = int('subscriptions', values.subscriptions, 1);
  const subscribers = int('subscribers', values.subscribers, 1);
  const paging = int('paging-subscriptions', values['paging-subscriptions'], 1, 1000);
  if (paging > subscriptions || paging > subscribers)
    throw new Error('--paging-subscriptions may not exceed --subscriptions or --subscribers');
  return {
    alerts,
    subscriptions,
    subscribers,
    computers: 5000,
    objectsPerComputer: 5,
    groups: 200,
    workflows: 300,
    customers: 500,
    seed: int('seed', values.seed, 0),
    e2eAlerts: int('e2e-alerts', values['e2e-alerts'] ?? String(Math.min(alerts, 5000)), 1),
    pagingSubscriptions: paging,
    pageEvery: int('page-every', values['page-every'], 1),
    baselineMessages: int('baseline-messages', values['baseline-messages'], 1),
    concurrency: int('concurrency', values.concurrency, 1),
    setupConcurrency: int('setup-concurrency', values['setup-concurrency'], 1),
    smtpDelayMs: int('smtp-delay-ms', values['smtp-delay-ms'], 0, 10_000),
    stallSeconds: int('stall-seconds', values['stall-seconds'], 1),
    logLevel: values['log-level'],
    cpuProfileDir: values['cpu-prof'],
    skipE2e: values['skip-e2e'],
    pacedRate: int('paced-rate', values['paced-rate'], 1, 10_000),
    pacedSeconds: int('paced-seconds', values['paced-seconds'], 0, 600),
    scanSample: int('scan-sample', values['scan-sample'], 1),
  };
}

// ------------------------------------------------------------------------------------------- end to end

async function measureEndToEnd(o: Options, smtp: Smtp, databaseUrl: string | undefined) {
  const work = tempDir('steward-bench-notify-');
  const passwordFile = join(work, 'bootstrap-password');
  let steward: ServerProcess | undefined;
  try {
    const setupStarted = performance.now();
    progress(`starting Steward (${databaseUrl ? 'PostgreSQL' : 'PGlite'})`);
    steward = await startServer({
      dataDir: join(work, 'data'),
      env: {
        STEWARD_BOOTSTRAP_PASSWORD_FILE: passwordFile,
        STEWARD_LOG_LEVEL: o.logLevel,
        STEWARD_SERVER_NAME: 'bench',
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      },
      nodeArgs: cpuProfileArgs(o.cpuProfileDir),
    });
    const token = await signInAsBootstrapAdmin(
      steward.url,
      readFileSync(passwordFile, 'utf8').trim(),
      `bench-notify-admin-${process.pid}-password`,
    );
    const admin = adminOf(steward.url, token);
    await setUpServer(admin, o, smtp.port, progress);
    await waitForNotifier(admin, smtp);
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    progress(`set up in ${setupSeconds.toFixed(1)} s`);
    const paced =
      o.pacedSeconds > 0
        ? await measurePaced(
            admin,
            smtp,
            { rate: o.pacedRate, seconds: o.pacedSeconds, stallSeconds: o.stallSeconds },
            progress,
          )
        : undefined;

    const paged = Math.ceil(o.e2eAlerts / o.pageEvery);
    const expected = paged * o.pagingSubscriptions;
    progress(
      `storm: ${o.e2eAlerts} alerts, 1 in ${o.pageEvery} paged (${paged}) × ${o.pagingSubscriptions} ` +
        `subscriptions = ${expected} messages; ${o.subscriptions} subscriptions evaluated per alert`,
    );
    const raisedAt = new Map<string, number>();
    const stormStarted = performance.now();
    await forEachConcurrently(
      Array.from({ length: o.e2eAlerts }, (_, i) => i),
      o.concurrency,
      async (i) => {
        const at = performance.now();
        const a = await admin<{ id: string }>('POST', '/api/v1/alerts', {
          name: `Storm alert ${i}`,
          severity: 'warning',
          priority: 'medium',
          custom: { '1': 'storm', ...(i % o.pageEvery === 0 ? { '2': 'page' } : {}) },
        });
        raisedAt.set(a.id, at);
      },
    );
    const raisedBy = performance.now();
    const cpuAtRaisedBy = cpuReadings([steward.pid]);
    const raiseSeconds = (raisedBy - stormStarted) / 1000;
    progress(`raised ${o.e2eAlerts} alerts in ${raiseSeconds.toFixed(1)} s`);

    const storm = () => smtp.mails.filter((m) => raisedAt.has(subjectOf(m)));
    await awaitReceipts(
      () => storm().length,
      expected,
      o.stallSeconds,
      (count) =>
        progress(
          `  ${count}/${expected} messages after ${((performance.now() - stormStarted) / 1000).toFixed(0)} s`,
        ),
    );
    const cpuAfterRaises = cpuSecondsBetween(cpuAtRaisedBy, cpuReadings([steward.pid]));
    const received = storm();
    const distinct = new Set(received.map((m) => messageIdOf(m))).size;
    const first = Math.min(...received.map((m) => m.at));
    const last = Math.max(...received.map((m) => m.at));
    const delays = received.map((m) => m.at - raisedAt.get(subjectOf(m))!);
    const totalSeconds = (last - stormStarted) / 1000;
    const drainSeconds = (last - first) / 1000;
    // Once the raises are over, the server only decides what is left and sends: its sending rate.
    const afterRaises = received.filter((m) => m.at > raisedBy).length;
    const afterRaisesSeconds = (last - raisedBy) / 1000;
    const dead = await admin<{ items: unknown[] }>(
      'GET',
      '/api/v1/notification-deliveries?status=dead&limit=1000',
    );
    const memory = memoryOf(steward.pid);
    progress(
      `delivered ${received.length}/${expected} messages ${totalSeconds.toFixed(1)} s after the first raise: ` +
        `${(received.length / totalSeconds).toFixed(1)} msg/s, p99 delay ${percentile(delays, 99).toFixed(0)} ms`,
    );
    return {
      database: databaseUrl ? 'postgres' : 'pglite',
      sizes: {
        alerts: o.e2eAlerts,
        pagedAlerts: paged,
        subscriptions: o.subscriptions,
        subscriptionsMatchingPagedAlerts: o.pagingSubscriptions,
        subscribers: o.subscribers,
        expectedMessages: expected,
        ratio:
          `${o.pagingSubscriptions} of ${o.subscriptions} subscriptions match 1 in ${o.pageEvery} alerts; ` +
          'the others are evaluated for every alert and match none',
      },
      setupSeconds: round(setupSeconds, 1),
      raise: { seconds: round(raiseSeconds, 2), alertsPerSecond: round(o.e2eAlerts / raiseSeconds, 1) },
      delivery: {
        messages: received.length,
        distinctMessageIds: distinct,
        missing: expected - distinct,
        deadLetters: dead.items.length,
        secondsFromFirstRaise: round(totalSeconds, 2),
        messagesPerSecond: round(received.length / totalSeconds, 1),
        drainSeconds: round(drainSeconds, 2),
        drainMessagesPerSecond: round(drainSeconds > 0 ? (received.length - 1) / drainSeconds : 0, 1),
        afterRaises: {
          what: 'messages received after the last raise was answered, over the time from then to the last one',
          messages: afterRaises,
          seconds: round(afterRaisesSeconds, 2),
          messagesPerSecond: round(afterRaisesSeconds > 0 ? afterRaises / afterRaisesSeconds : 0, 1),
          /** The server process's CPU time (all threads) from the last raise to the last message, per message. */
          serverCpuMsPerMessage: round((cpuAfterRaises * 1000) / Math.max(1, afterRaises), 3),
          /** That CPU time over the same span: how many of the machine's cores the server kept busy. */
          serverCores: round(afterRaisesSeconds > 0 ? cpuAfterRaises / afterRaisesSeconds : 0, 2),
        },
      },
      delayMs: {
        from: 'the raise request sent → the message received',
        p50: round(percentile(delays, 50), 1),
        p90: round(percentile(delays, 90), 1),
        p99: round(percentile(delays, 99), 1),
        max: round(Math.max(...delays), 1),
      },
      serverMemory: memory,
      paced,
    };
  } catch (err) {
    const exited = steward ? await Promise.race([steward.exited, Promise.resolve(undefined)]) : undefined;
    throw new Error(
      `${(err as Error).message}${exited ? `; the server exited (${JSON.stringify(exited)})` : ''}` +
        (steward ? `\nserver stderr (end):\n${steward.stderr().slice(-3000)}` : ''),
    );
  } finally {
    await steward?.stop('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

export async function runNotifyBench(args: string[]): Promise<Record<string, unknown>> {
  const o = parseOptions(args);
  const matching = measureMatching(o, progress);
  const result: Record<string, unknown> = {
    benchmark: 'notify',
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    matching,
  };
  if (o.skipE2e) return result;

  const smtp = await startSmtp({ replyDelayMs: o.smtpDelayMs });
  const database = process.env.DATABASE_URL ? await createPostgresDatabase() : undefined;
  try {
    const baselineCount = Math.min(o.baselineMessages, Math.max(200, o.e2eAlerts));
    // The pooled baseline is short and the machine's speed drifts: after a run that warms up both ends (not
    // counted: its first messages run before the JIT has compiled either), measured twice before the storm and
    // once after it, and the median taken — the server it is compared with is as warm.
    const warmUp = await measureBaseline(smtp, baselineCount, true, progress);
    const pooledRuns = [
      await measureBaseline(smtp, baselineCount, true, progress),
      await measureBaseline(smtp, baselineCount, true, progress),
    ];
    const unpooled = await measureBaseline(smtp, baselineCount, false, progress);
    const e2e = await measureEndToEnd(o, smtp, database?.url);
    pooledRuns.push(await measureBaseline(smtp, baselineCount, true, progress));
    const baseline = {
      messages: baselineCount,
      messagesPerSecond: median(pooledRuns.map((r) => r.messagesPerSecond)),
      statistic: 'median of 3 runs after a warm-up: 2 before the storm, 1 after',
      runsMessagesPerSecond: pooledRuns.map((r) => r.messagesPerSecond),
      warmUpMessagesPerSecond: warmUp.messagesPerSecond,
    };
    if (e2e.delivery.missing > 0 || e2e.delivery.distinctMessageIds !== e2e.delivery.messages)
      process.exitCode = 1;
    if (e2e.paced && (e2e.paced.missing > 0 || e2e.paced.distinctMessageIds !== e2e.paced.messages))
      process.exitCode = 1;
    return {
      ...result,
      smtpReplyDelayMs: o.smtpDelayMs,
      notifierConcurrency: NOTIFIER_CONCURRENCY,
      raiseConcurrency: o.concurrency,
      endToEnd: e2e,
      baseline: {
        what: `raw nodemailer, its pooled transport, ${NOTIFIER_CONCURRENCY} at a time`,
        ...baseline,
      },
      unpooledBaseline: {
        what: `raw nodemailer, one connection per message, ${NOTIFIER_CONCURRENCY} at a time`,
        ...unpooled,
      },
      ratio: {
        messagesPerSecond: round(e2e.delivery.messagesPerSecond / baseline.messagesPerSecond, 3),
        drainMessagesPerSecond: round(e2e.delivery.drainMessagesPerSecond / baseline.messagesPerSecond, 3),
        afterRaisesMessagesPerSecond: round(
          e2e.delivery.afterRaises.messagesPerSecond / baseline.messagesPerSecond,
          3,
        ),
      },
    };
  } finally {
    await smtp.close();
    await database?.drop();
  }
}

/** The entry of `npm run bench -- notify`. */
export const notifyBenchmark = {
  summary:
    'subscription criteria matching in process (alerts/s against every subscription), then an alert storm ' +
    'through a real server to a local SMTP server: messages/s and p99 delay from raise to receipt, beside raw ' +
    'nodemailer (options: --alerts 50000 --subscriptions 10000 --subscribers 2000 --e2e-alerts 5000 ' +
    '--paging-subscriptions 10 --page-every 10 --paced-rate 100 --paced-seconds 10 --concurrency 16 --smtp-delay-ms 0 ' +
    '--skip-e2e --log-level warn --cpu-prof DIR)',
  run: runNotifyBench,
};
