// The agent's metadata endpoint (R64, the VM-identity analogue of Azure's IMDS): on the computer's loopback,
// `GET /metadata/identity/oauth2/token?api-version=…&resource=…` with `Metadata: true` answers a token of the
// computer's own identity, asked of the server over the agent's signed channel (the server decides whether the
// computer has one, and audits it). Tokens are cached here until 5 minutes before they expire; at most 20
// requests a second and 5 at once, beyond which the answer is 429 with Retry-After, as IMDS throttles.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type IdentitySelector,
  type IdentityTokenAnswer,
  sendTokenError,
  serveToken,
} from '../automation/token-protocol.js';

export const METADATA_TOKEN_PATH = '/metadata/identity/oauth2/token';
/** Azure Arc's local identity endpoint listens here too: the port a process on a managed computer expects. */
export const DEFAULT_METADATA_PORT = 40342;
/** A cached token is handed out again until this many seconds before it expires. */
const REUSE_MARGIN_SECONDS = 300;

export interface MetadataEndpointOptions {
  /** 0: any free port (tests). */
  port: number;
  host?: string;
  /** The computer's token, from the server. */
  token(selector: IdentitySelector, resource: string): Promise<IdentityTokenAnswer>;
  /** Requests a second, and at once; default 20 and 5. */
  ratePerSecond?: number;
  maxConcurrent?: number;
  /** Milliseconds; for tests. */
  now?: () => number;
  onError?: (err: unknown) => void;
}

export interface MetadataEndpoint {
  url(): string;
  close(): Promise<void>;
}

export async function startMetadataEndpoint(o: MetadataEndpointOptions): Promise<MetadataEndpoint> {
  const now = o.now ?? Date.now;
  const rate = o.ratePerSecond ?? 20;
  const maxConcurrent = o.maxConcurrent ?? 5;
  // A token bucket: `rate` requests in any second, refilled continuously.
  let bucket = rate;
  let filledAt = now();
  let inFlight = 0;
  const cache = new Map<string, Extract<IdentityTokenAnswer, { kind: 'issued' }>>();
  const asking = new Map<string, Promise<IdentityTokenAnswer>>();

  function take(): number | undefined {
    const t = now();
    bucket = Math.min(rate, bucket + ((t - filledAt) / 1000) * rate);
    filledAt = t;
    if (bucket < 1) return Math.max(1, Math.ceil((1 - bucket) / rate));
    bucket -= 1;
    return undefined;
  }

  /** The cached token, or one asked of the server once however many callers wait for it. */
  function cachedToken(selector: IdentitySelector, resource: string): Promise<IdentityTokenAnswer> {
    const key = `${selector.by}\u0000${selector.by === 'system' ? '' : selector.value.toLowerCase()}\u0000${resource}`;
    const hit = cache.get(key);
    if (hit && hit.expiresOn - REUSE_MARGIN_SECONDS > now() / 1000) return Promise.resolve(hit);
    let p = asking.get(key);
    if (!p) {
      p = o.token(selector, resource).then((a) => {
        if (a.kind === 'issued') cache.set(key, a);
        return a;
      });
      asking.set(key, p);
      void p.finally(() => asking.delete(key)).catch(() => undefined);
    }
    return p;
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const wait = take() ?? (inFlight >= maxConcurrent ? 1 : undefined);
    if (wait !== undefined)
      return sendTokenError(res, 429, 'too_many_requests', 'Too many requests: try again later.', {
        'retry-after': String(wait),
      });
    // MSAL asks with a trailing slash, as IMDS allows.
    if (url.pathname.replace(/\/$/, '') !== METADATA_TOKEN_PATH)
      return sendTokenError(res, 404, 'not_found', `Only ${METADATA_TOKEN_PATH} is served here.`);
    inFlight++;
    serveToken(req, res, url, 'imds', cachedToken)
      .catch((err) => {
        o.onError?.(err);
        // 5xx: IMDS clients try again with backoff (R64).
        if (!res.headersSent) sendTokenError(res, 500, 'server_error', 'Internal error: try again.');
      })
      .finally(() => {
        inFlight--;
      });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port, o.host ?? '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: () => `http://${o.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
