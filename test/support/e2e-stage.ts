// The stage of an end-to-end test: one real server on the suite's database (PGlite, or a fresh PostgreSQL
// database when the suite runs on PostgreSQL), an administrator's token, and the calls every test makes.
import { type AgentProcess, startAgent } from './agent-process.js';
import {
  api,
  oneTimePasswordOf,
  type ServerProcess,
  signInAsBootstrapAdmin,
  startServer,
} from './server-process.js';
import { createPostgresDatabase } from './test-database.js';
import { testDatabaseUrl } from './test-db-target.js';

export interface Stage {
  server: ServerProcess;
  token: string;
  /** An API call as the administrator that must succeed; its body. */
  ok<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  /** Stops the server and drops the database it had. */
  close(): Promise<void>;
}

export async function startStage(opts: {
  adminPassword: string;
  env?: Record<string, string>;
}): Promise<Stage> {
  let env = { ...opts.env };
  let drop: (() => Promise<void>) | undefined;
  if (testDatabaseUrl) {
    const d = await createPostgresDatabase();
    drop = d.drop;
    env = { ...env, DATABASE_URL: d.url };
  }
  const server = await startServer({ env });
  const token = await signInAsBootstrapAdmin(server.url, await oneTimePasswordOf(server), opts.adminPassword);
  return stageOn(server, token, drop);
}

/** The stage of a server already running, with an administrator's token; `close` stops it and calls `drop`. */
export function stageOn(server: ServerProcess, token: string, drop?: () => Promise<void>): Stage {
  return {
    server,
    token,
    async ok<T>(method: string, path: string, body?: unknown): Promise<T> {
      const r = await api<T>(server.url, method, path, { token, body });
      if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async close() {
      await server.stop();
      await drop?.();
    },
  };
}

/** Polls `probe` until it gives a value; on timeout the error carries `diagnostics()` (a log, say). */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; diagnostics?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\n${opts.diagnostics?.() ?? ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts `steward agent` for `computer` with a fresh enrollment token and waits until it is approved.
 * `servers` defaults to the stage's server; a dead one first proves failover.
 */
export async function startEnrolledAgent(
  stage: Stage,
  computer: string,
  opts: { dataDir: string; servers?: string[]; env?: Record<string, string> },
): Promise<{ agent: AgentProcess; agentId: string }> {
  const { token } = await stage.ok<{ token: string }>('POST', '/api/v1/agents/enrollment-tokens', {
    computerName: computer,
  });
  const servers = (opts.servers ?? [stage.server.url]).flatMap((s) => ['--server', s]);
  const agent = startAgent([...servers, '--data-dir', opts.dataDir, '--name', computer], {
    ...opts.env,
    STEWARD_AGENT_TOKEN: token,
  });
  const agentId = await until(
    `the agent of ${computer} to enroll`,
    async () =>
      (
        await stage.ok<{ items: { id: string; computerName: string; status: string }[] }>(
          'GET',
          '/api/v1/agents',
        )
      ).items.find((a) => a.computerName === computer && a.status === 'approved')?.id,
    { diagnostics: () => `agent log:\n${agent.stderr()}` },
  );
  return { agent, agentId };
}
