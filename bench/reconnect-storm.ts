// The restart phase of `npm run bench -- agents`: the server stops and starts again on the same data, and then
// every agent at once fetches its configuration with the sealed credentials it runs as, as agents that hold
// none do (started again with their server). Beside it, the same envelopes sealed in this process with
// node:crypto alone (one X25519 ECDH and HKDF per agent, AES-256-GCM per account: what sealing costs, with no
// server), in the same run.
import { createPublicKey } from 'node:crypto';
import { agentConfigWithCredentialsSchema, credentialAad } from '../src/contract/agents.js';
import { openSealed, sealerTo } from '../src/crypto/agent-keys.js';
import { accountsInUse } from '../src/domain/resolution/accounts-in-use.js';
import type { ServerProcess } from '../test/support/server-process.js';
import { createConfigClient, type FleetAgent, forEachConcurrently } from './agent-fleet.js';
import { cpuReadings, cpuSecondsBetween, percentile, round } from './bench-stats.js';

export interface RestartFigures {
  /** SIGTERM to the process gone. */
  stopSeconds: number;
  /** Spawn to the server answering its health check. */
  readySeconds: number;
  /** Spawn to the first agent's configuration answered. */
  firstConfigSeconds: number;
  storm: {
    agents: number;
    concurrency: number;
    accountsPerAgent: { min: number; max: number };
    envelopes: number;
    /** From the first request of the storm to the last agent holding its configuration and credentials. */
    lastAgentSeconds: number;
    agentP50Ms: number;
    agentP99Ms: number;
    envelopesPerSecond: number;
    /** The server process's CPU time (all threads) in the storm, per agent. */
    serverCpuMsPerAgent: number;
    /** That CPU time over the storm's length: how many of the machine's cores the server kept busy. */
    serverCores: number;
    /** The same for this process, the load generator (the agents signing, sending and opening). */
    loadGeneratorCores: number;
    errors: number;
    firstError: string | undefined;
  };
  /** The same envelopes sealed in this process with node:crypto, one after another. */
  sealingInProcess: { envelopes: number; seconds: number; envelopesPerSecond: number };
  /** The storm's envelope rate against sealing alone. */
  ratio: number;
}

/**
 * Stops the server, starts it again with `restart` (same data, same port), and sends every agent at once for its
 * configuration and credentials. Each agent checks that the first of its envelopes opens with its own key.
 */
export async function measureRestartStorm(o: {
  server: ServerProcess;
  restart: () => Promise<ServerProcess>;
  agents: readonly FleetAgent[];
  concurrency: number;
  progress: (line: string) => void;
}): Promise<{ server: ServerProcess; figures: RestartFigures }> {
  const stopStarted = performance.now();
  await o.server.stop('SIGTERM');
  const stopSeconds = (performance.now() - stopStarted) / 1000;
  const spawned = performance.now();
  // Each agent's long-poll broke when the server stopped: like the agent client, it signs its next request for
  // the audience every server accepts (its single use recorded in the database), and learns the new one from
  // the answer.
  for (const a of o.agents) a.audience = undefined;
  const server = await o.restart();
  const readySeconds = (performance.now() - spawned) / 1000;
  const client = createConfigClient(server.url, o.concurrency);
  try {
    const first = await client.signed(o.agents[0]!, 'GET', '/api/v1/agent/config');
    if (first.status !== 200) throw new Error(`the first configuration after the restart: ${first.status}`);
    const firstConfigSeconds = (performance.now() - spawned) / 1000;
    o.progress(
      `restarted: ready after ${readySeconds.toFixed(1)} s, first configuration ${firstConfigSeconds.toFixed(1)} s`,
    );

    const perAgentMs: number[] = [];
    /** Per agent, in the order of `o.agents`: how many accounts its configuration names. */
    const accountCounts: number[] = new Array(o.agents.length).fill(0);
    let envelopes = 0;
    let errors = 0;
    let firstError: string | undefined;
    const stormStarted = performance.now();
    const cpuAtStart = cpuReadings([server.pid]);
    const ownCpuAtStart = process.cpuUsage();
    await forEachConcurrently(o.agents, o.concurrency, async (a, index) => {
      const t0 = performance.now();
      try {
        // As an agent that holds no credentials asks: with its configuration.
        const answer = await client.signed(a, 'GET', '/api/v1/agent/config?include=credentials');
        if (answer.status !== 200)
          throw new Error(`GET config → ${answer.status} ${answer.body.slice(0, 200)}`);
        const config = agentConfigWithCredentialsSchema.parse(JSON.parse(answer.body));
        const inUse = accountsInUse(config).length;
        accountCounts[index] = inUse;
        const items = config.credentials?.items ?? [];
        if (items.length !== inUse) throw new Error(`${items.length} envelopes for ${inUse} accounts in use`);
        const one = items[0];
        if (one)
          openSealed(a.identity.sealingKey, one.envelope, credentialAad(a.id, one.accountId, one.version));
        envelopes += items.length;
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
      }
      perAgentMs.push(performance.now() - t0);
    });
    const lastAgentSeconds = (performance.now() - stormStarted) / 1000;
    const stormCpuSeconds = cpuSecondsBetween(cpuAtStart, cpuReadings([server.pid]));
    const ownCpu = process.cpuUsage(ownCpuAtStart);
    const ownCpuSeconds = (ownCpu.user + ownCpu.system) / 1e6;
    o.progress(
      `reconnect storm: ${o.agents.length} agents, ${envelopes} envelopes in ${lastAgentSeconds.toFixed(1)} s` +
        `${errors ? `, ${errors} errors (${firstError})` : ''}`,
    );

    // The same envelopes sealed here, as the server seals them: one ECDH per agent, AES-GCM per account.
    const payload = JSON.stringify({
      accountId: 'acct_bench',
      version: 1,
      secret: { password: 'x'.repeat(24) },
    });
    const sealStarted = performance.now();
    o.agents.forEach((a, i) => {
      const seal = sealerTo(createPublicKey(a.identity.sealingKey));
      for (let k = 0; k < (accountCounts[i] ?? 0); k++) seal(payload, `${a.id}:acct_bench:${k}`);
    });
    const sealSeconds = (performance.now() - sealStarted) / 1000;
    const sealRate = envelopes / sealSeconds;
    const stormRate = envelopes / lastAgentSeconds;
    return {
      server,
      figures: {
        stopSeconds: round(stopSeconds, 2),
        readySeconds: round(readySeconds, 2),
        firstConfigSeconds: round(firstConfigSeconds, 2),
        storm: {
          agents: o.agents.length,
          concurrency: o.concurrency,
          accountsPerAgent: { min: Math.min(...accountCounts), max: Math.max(...accountCounts) },
          envelopes,
          lastAgentSeconds: round(lastAgentSeconds, 2),
          agentP50Ms: round(percentile(perAgentMs, 50), 1),
          agentP99Ms: round(percentile(perAgentMs, 99), 1),
          envelopesPerSecond: round(stormRate, 1),
          serverCpuMsPerAgent: round((stormCpuSeconds * 1000) / o.agents.length, 3),
          serverCores: round(stormCpuSeconds / lastAgentSeconds, 2),
          loadGeneratorCores: round(ownCpuSeconds / lastAgentSeconds, 2),
          errors,
          firstError,
        },
        sealingInProcess: {
          envelopes,
          seconds: round(sealSeconds, 3),
          envelopesPerSecond: round(sealRate, 1),
        },
        ratio: round(stormRate / sealRate, 3),
      },
    };
  } finally {
    client.close();
  }
}
