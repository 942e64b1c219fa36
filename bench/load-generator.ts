// A closed-loop HTTP load generator: a fixed number of keep-alive connections, each sending its next request when the last one answered.
import { Agent, request } from 'node:http';
import { percentile } from './bench-stats.js';

export interface HttpCall {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  /** Sent as they are, beside (or instead of) the bearer token. */
  headers?: Record<string, string>;
}

export interface HttpResult {
  status: number;
  body: string;
}

export interface LoadOptions {
  baseUrl: string;
  /** A bearer token for every request; none: requests carry only their own headers. */
  token?: string;
  concurrency: number;
  /** Stop after this many requests… */
  maxRequests: number;
  /** …or after this many seconds, whichever comes first. */
  maxSeconds: number;
  /** The i-th request (0-based, in the order they are sent). */
  call: (i: number) => HttpCall;
  /** Sees every answer (e.g. to collect created ids); a non-2xx answer is counted as an error. */
  onResult?: (i: number, result: HttpResult) => void;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  firstError: string | undefined;
}

/** One client bound to a server: keep-alive sockets, JSON in and out, a bearer token. */
export function createClient(baseUrl: string, token: string | undefined, maxSockets: number) {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets });
  const send = (call: HttpCall) =>
    new Promise<HttpResult>((ok, fail) => {
      const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: call.method,
          path: call.path,
          headers: {
            ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
            ...call.headers,
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
          res.on('error', fail);
        },
      );
      req.on('error', fail);
      req.end(payload);
    });
  return { send, close: () => agent.destroy() };
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const client = createClient(o.baseUrl, o.token, o.concurrency);
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = process.hrtime.bigint();
  const deadline = Number(started) / 1e6 + o.maxSeconds * 1000;
  const worker = async () => {
    while (issued < o.maxRequests && Number(process.hrtime.bigint()) / 1e6 < deadline) {
      const i = issued++;
      const call = o.call(i);
      const t0 = process.hrtime.bigint();
      let result: HttpResult;
      try {
        result = await client.send(call);
      } catch (err) {
        result = { status: 0, body: (err as Error).message };
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (result.status < 200 || result.status > 299) {
        errors++;
        firstError ??= `${call.method} ${call.path} → ${result.status} ${result.body.slice(0, 300)}`;
      }
      o.onResult?.(i, result);
    }
  };
  try {
    await Promise.all(Array.from({ length: o.concurrency }, worker));
  } finally {
    client.close();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    requests: latencies.length,
    errors,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    firstError,
  };
}
