// Simulated agents for benchmarks: real key pairs enrolled through the agent client, then configuration
// fetches over keep-alive node:http sockets, each request carrying a fresh assertion signed by its agent.
import { Agent, request } from 'node:http';
import type { AgentIdentity } from '../src/agent/agent-identity.js';
import {
  exportPublicKey,
  generateAgentKeys,
  keyFingerprint,
  signAssertion,
} from '../src/crypto/agent-keys.js';
import { percentile } from './bench-stats.js';

export interface FleetAgent {
  computerName: string;
  identity: AgentIdentity;
  /** Set once enrolled. */
  id: string;
  /** The configuration tag this agent holds (from the last 200 it received). */
  tag: string | undefined;
  /** The assertion audience its server named last (as a real agent keeps it); unset: the one any server takes. */
  audience?: string;
}

export interface ConfigAnswer {
  status: number;
  /** The configuration tag the server sent in its ETag, without the quotes. */
  tag: string | undefined;
  /** The assertion audience the server named. */
  audience: string | undefined;
  body: string;
}

/** Fresh key pairs for an agent of the given computer name (not enrolled yet). */
export function newFleetAgent(computerName: string): FleetAgent {
  const keys = generateAgentKeys();
  const signingPublicKey = exportPublicKey(keys.signing.publicKey);
  return {
    computerName,
    identity: {
      signingKey: keys.signing.privateKey,
      sealingKey: keys.sealing.privateKey,
      signingPublicKey,
      sealingPublicKey: exportPublicKey(keys.sealing.publicKey),
      fingerprint: keyFingerprint(signingPublicKey),
    },
    id: '',
    tag: undefined,
  };
}

/**
 * The `Authorization` header value for one request of this agent (path with its query, and its body): a
 * single-use assertion for the audience the agent holds.
 */
export const authorizationOf = async (
  a: FleetAgent,
  pathAndQuery = '/api/v1/agent/config',
  method: 'GET' | 'POST' = 'GET',
  body?: string,
) => {
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = q < 0 ? '' : pathAndQuery.slice(q + 1);
  const request = { method, path, query, body };
  return `Agent ${await signAssertion(a.identity.signingKey, a.id, { request, audience: a.audience })}`;
};

/** Keeps the audience the server named, as the agent client does. */
export function noteAudience(a: FleetAgent, answer: ConfigAnswer): ConfigAnswer {
  a.audience = answer.audience ?? a.audience;
  return answer;
}

export type ConfigMode = 'full' | 'not-modified' | 'long-poll';

/** The configuration path: a full fetch, a "not modified" check with the agent's tag, or a long-poll. */
export function configPath(a: FleetAgent, mode: ConfigMode, waitSeconds = 25): string {
  if (mode === 'full' || a.tag === undefined) return '/api/v1/agent/config';
  const tag = encodeURIComponent(a.tag);
  return `/api/v1/agent/config?tag=${tag}&waitSeconds=${mode === 'long-poll' ? waitSeconds : 0}`;
}

/** A keep-alive HTTP client whose requests each carry their own Authorization header. */
export function createConfigClient(baseUrl: string, maxSockets: number) {
  const url = new URL(baseUrl);
  // Every connection is kept once its answer came, as an agent keeps its own: Node's default keeps at most 256
  // free, so a fleet's long-polls answered together would otherwise be closed by the client as they are answered.
  // TCP keep-alive probes start after a minute idle, as the agent's client (undici) starts them: with Node's
  // default of one second, 15,000 long-polls send 15,000 probes a second, the loopback queue of a saturated
  // machine drops some, and a connection whose ten probes in a row go unanswered is aborted (read ETIMEDOUT).
  const agent = new Agent({
    keepAlive: true,
    keepAliveMsecs: 60_000,
    maxSockets,
    maxFreeSockets: maxSockets,
  });
  const send = (
    method: 'GET' | 'POST',
    path: string,
    authorization: string,
    body?: string,
    onSent?: () => void,
  ) =>
    new Promise<ConfigAnswer>((ok, fail) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: {
            authorization,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => {
            const etag = res.headers.etag;
            const audience = res.headers['steward-assertion-audience'];
            ok({
              status: res.statusCode ?? 0,
              tag: etag?.replace(/^"|"$/g, ''),
              audience: typeof audience === 'string' ? audience : undefined,
              body: text,
            });
          });
          res.on('error', fail);
        },
      );
      req.on('error', fail);
      if (onSent) req.once('finish', onSent);
      req.end(body);
    });
  /**
   * One request of the agent, signed for the audience it holds, as the agent client sends it: refused for an
   * audience the server no longer takes (it restarted), signed again for the one it named.
   */
  const signed = async (a: FleetAgent, method: 'GET' | 'POST', path: string, body?: string) => {
    const heldBefore = a.audience;
    const answer = noteAudience(
      a,
      await send(method, path, await authorizationOf(a, path, method, body), body),
    );
    if (answer.status !== 401 || heldBefore === undefined || a.audience === heldBefore) return answer;
    return noteAudience(a, await send(method, path, await authorizationOf(a, path, method, body), body));
  };
  return {
    get: (path: string, authorization: string, onSent?: () => void) =>
      send('GET', path, authorization, undefined, onSent),
    signed,
    close: () => agent.destroy(),
  };
}

export type ConfigClient = ReturnType<typeof createConfigClient>;

export interface FleetLoadResult {
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Mean size of the answers' bodies. */
  meanBodyBytes: number;
  firstError: string | undefined;
}

/**
 * Closed loop: `concurrency` requests in flight, each sent as the next agent in turn, for `seconds`.
 * Latency is the HTTP exchange only; signing the assertion happens before the clock starts.
 */
export async function runFleetLoad(o: {
  baseUrl: string;
  agents: readonly FleetAgent[];
  mode: 'full' | 'not-modified';
  concurrency: number;
  seconds: number;
  /** Goes on past `seconds` until every agent has asked once (a warm-up: a running fleet's agents all have). */
  everyAgent?: boolean;
}): Promise<FleetLoadResult> {
  const client = createConfigClient(o.baseUrl, o.concurrency);
  const expected = o.mode === 'full' ? 200 : 304;
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  let bodyBytes = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + o.seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline || (o.everyAgent && issued < o.agents.length)) {
      const a = o.agents[issued++ % o.agents.length]!;
      const path = configPath(a, o.mode);
      const authorization = await authorizationOf(a, path);
      const t0 = performance.now();
      let answer: ConfigAnswer;
      try {
        answer = noteAudience(a, await client.get(path, authorization));
      } catch (err) {
        answer = { status: 0, tag: undefined, audience: undefined, body: (err as Error).message };
      }
      latencies.push(performance.now() - t0);
      bodyBytes += Buffer.byteLength(answer.body);
      if (answer.status !== expected) {
        errors++;
        firstError ??= `GET ${path} → ${answer.status} ${answer.body.slice(0, 300)}`;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: o.concurrency }, worker));
  } finally {
    client.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    requests: latencies.length,
    errors,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    meanBodyBytes: latencies.length ? bodyBytes / latencies.length : 0,
    firstError,
  };
}

/** Runs `fn` over the items with at most `concurrency` calls in flight; stops at the first failure. */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
