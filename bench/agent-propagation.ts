// The propagation phase of `npm run bench -- agents`: every agent long-polls with its tag, one change is made,
// and each agent's delay to its changed configuration is recorded; and the "not modified" probe that tells when
// the server has worked off a backlog.
import type { AgentConfig } from '../src/agent/agent-api.js';
import { agentConfigSchema } from '../src/contract/agents.js';
import {
  authorizationOf,
  configPath,
  createConfigClient,
  type FleetAgent,
  noteAudience,
} from './agent-fleet.js';
import { memoryOf, percentile, round } from './bench-stats.js';

export interface Propagation {
  change: 'association.create' | 'association.delete';
  /** From the last long-poll sent to the server answering checks quickly again: when the change was made. */
  settleMs: number;
  adminCallMs: number;
  expectedAffected: number;
  received: number;
  verified: number;
  unverified: number;
  missed: number;
  earlyReturns: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  lastMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves after `ms` without keeping the process alive: an upper bound to race other waits against. */
const atMost = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Latencies of "not modified" checks sent one after another by one agent. */
export async function probe(url: string, agent: FleetAgent, times: number): Promise<number[]> {
  const client = createConfigClient(url, 1);
  const latencies: number[] = [];
  try {
    for (let i = 0; i < times; i++) {
      const path = configPath(agent, 'not-modified');
      const authorization = await authorizationOf(agent, path);
      const t0 = performance.now();
      const r = noteAudience(agent, await client.get(path, authorization));
      if (r.status !== 304) throw new Error(`the probe answered ${r.status}: ${r.body.slice(0, 300)}`);
      latencies.push(performance.now() - t0);
    }
  } finally {
    client.close();
  }
  return latencies;
}

/** Waits until a "not modified" check answers fast twice running: the server has worked off its backlog. */
export async function waitUntilQuiet(url: string, agent: FleetAgent, thresholdMs: number): Promise<number> {
  const started = performance.now();
  let fast = 0;
  while (fast < 2 && performance.now() - started < 60_000) {
    const [ms] = await probe(url, agent, 1);
    fast = ms! < thresholdMs ? fast + 1 : 0;
    if (fast < 2) await sleep(100);
  }
  return performance.now() - started;
}

/**
 * Every agent long-polls with its tag; once they all wait, `change` runs and each agent's delay from the
 * start of that call to receiving its changed configuration is recorded (a 304 at the end of a wait
 * simply polls again, as the agent daemon does).
 */
export async function measurePropagation(
  url: string,
  agents: FleetAgent[],
  o: { waitSeconds: number; progress: (line: string) => void },
  serverPid: number,
  quietThresholdMs: number,
  kind: Propagation['change'],
  change: () => Promise<void>,
  expect: (config: AgentConfig) => boolean,
): Promise<Propagation & { rssWhileLongPollingMb: number; firstError: string | undefined }> {
  const client = createConfigClient(url, Number.POSITIVE_INFINITY);
  let changeAt: number | undefined;
  let stopping = false;
  let sent = 0;
  let allSent: () => void = () => {};
  const everySent = new Promise<void>((r) => {
    allSent = r;
  });
  const delays: number[] = [];
  const changed: { agent: FleetAgent; oldTag: string | undefined; body: string }[] = [];
  let earlyReturns = 0;
  let errors = 0;
  let firstError: string | undefined;
  const polls = agents.map(async (a) => {
    let first = true;
    const oldTag = a.tag;
    while (!stopping) {
      const onSent = first ? () => ++sent === agents.length && allSent() : undefined;
      first = false;
      let r: Awaited<ReturnType<typeof client.get>>;
      try {
        const path = configPath(a, 'long-poll', o.waitSeconds);
        r = noteAudience(a, await client.get(path, await authorizationOf(a, path), onSent));
      } catch (err) {
        if (!stopping) {
          errors++;
          firstError ??= `${a.computerName}: ${(err as Error).message}`;
        }
        return;
      }
      const at = performance.now();
      if (r.status === 304) continue;
      if (r.status !== 200) {
        errors++;
        firstError ??= `${a.computerName}: long-poll → ${r.status} ${r.body.slice(0, 300)}`;
        return;
      }
      if (changeAt === undefined) earlyReturns++;
      else delays.push(at - changeAt);
      a.tag = r.tag;
      changed.push({ agent: a, oldTag, body: r.body });
      return;
    }
  });
  const finished = Promise.all(polls);
  await Promise.race([everySent, finished, atMost(60_000)]);
  const quietMs = await waitUntilQuiet(url, agents[0]!, quietThresholdMs);
  const rssWhileLongPollingMb = memoryOf(serverPid).rssMb;
  o.progress(`${sent} long-polls sent; server quiet after ${(quietMs / 1000).toFixed(1)} s; changing`);

  changeAt = performance.now();
  await change();
  const adminCallMs = performance.now() - changeAt;
  await Promise.race([finished, atMost((o.waitSeconds + 15) * 1000)]);
  stopping = true;
  client.close();
  await finished;
  if (firstError) o.progress(`  first error: ${firstError}`);

  let verified = 0;
  for (const c of changed) {
    const parsed = agentConfigSchema.safeParse(JSON.parse(c.body));
    if (parsed.success && parsed.data.tag !== c.oldTag && parsed.data.healthServiceId === c.agent.id)
      verified += expect(parsed.data) ? 1 : 0;
  }
  return {
    change: kind,
    settleMs: round(quietMs, 0),
    adminCallMs: round(adminCallMs),
    expectedAffected: agents.length,
    received: delays.length,
    verified,
    unverified: changed.length - verified,
    missed: agents.length - changed.length - errors,
    earlyReturns,
    errors,
    p50Ms: round(percentile(delays, 50)),
    p99Ms: round(percentile(delays, 99)),
    lastMs: round(delays.length ? Math.max(...delays) : Number.NaN),
    rssWhileLongPollingMb,
    firstError,
  };
}
