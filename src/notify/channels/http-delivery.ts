// One HTTP request of an HTTP-based channel transport (IM webhook, SMS gateway, Teams): bounded in time and
// size, its outcome turned into a reply or a SendResult failure whose reason names the host and never a secret.
import type { SendResult } from './transport.js';

export type SendFailure = Extract<SendResult, { ok: false }>;

export const DEFAULT_HTTP_TIMEOUT_MS = 15_000;

/** What every HTTP-based transport factory accepts besides its settings. */
export interface HttpTransportOptions {
  /** Bound on each HTTP request, in milliseconds; default 15 s. */
  timeoutMs?: number;
}

/** Response bodies are read up to this many bytes; the rest is dropped. */
const MAX_REPLY_BYTES = 64 * 1024;

export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface HttpReply {
  status: number;
  headers: Headers;
  text: string;
}

export type HttpOutcome = { ok: true; reply: HttpReply } | { ok: false; failure: SendFailure };

export interface HttpCallOptions {
  timeoutMs: number;
  /** The caller's cancellation (shutdown); combined with the timeout. */
  signal?: AbortSignal;
}

/**
 * The host (and port) of `url`, for reasons and details: never the path or query, which may carry a webhook
 * key, and never user information.
 */
export function endpointName(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid address';
  }
}

/** `text` with every occurrence of each secret replaced, for reasons built from what a server answered. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.replaceAll(secret, '***');
  return out;
}

/** The first non-empty line of `text`, at most `max` characters. */
export function firstLine(text: string, max = 200): string {
  const line =
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l !== '') ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Whether another attempt may succeed after an HTTP status: timeouts, throttling and server errors. */
export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 425 || status === 429 || status >= 500;

/** A failure for a non-2xx reply; `detail` is a short, already-redacted explanation from the reply. */
export function statusFailure(host: string, reply: HttpReply, detail?: string): SendFailure {
  const retryAfter = reply.headers.get('retry-after');
  const parts = [`${host} answered HTTP ${reply.status}`];
  if (detail) parts.push(detail);
  if (retryAfter && reply.status === 429) parts.push(`retry after ${firstLine(retryAfter, 40)}`);
  return { ok: false, retryable: isRetryableStatus(reply.status), reason: parts.join(': ') };
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < MAX_REPLY_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, MAX_REPLY_BYTES).toString('utf8');
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return firstLine(cause.message, 120);
  return firstLine(err instanceof Error ? err.message : String(err), 120);
}

/**
 * POSTs `request` once. Redirects are not followed (a redirect could carry the Authorization header or the
 * alert elsewhere): a 3xx comes back as a reply like any other status.
 */
export async function postOnce(request: HttpRequest, opts: HttpCallOptions): Promise<HttpOutcome> {
  const host = endpointName(request.url);
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  try {
    const res = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal,
    });
    const text = await readCapped(res);
    return { ok: true, reply: { status: res.status, headers: res.headers, text } };
  } catch (err) {
    if (opts.signal?.aborted) {
      return {
        ok: false,
        failure: { ok: false, retryable: true, reason: `cancelled before ${host} answered` },
      };
    }
    if (timeout.aborted) {
      const seconds = Math.round(opts.timeoutMs / 100) / 10;
      return {
        ok: false,
        failure: { ok: false, retryable: true, reason: `${host} did not answer within ${seconds} s` },
      };
    }
    return {
      ok: false,
      failure: { ok: false, retryable: true, reason: `could not reach ${host}: ${networkReason(err)}` },
    };
  }
}

export const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/**
 * A short explanation from an error reply: the `error.message`, `message`, `error_description` or `error` of a
 * JSON body, else its first line; with `secrets` redacted.
 */
export function replyDetail(text: string, secrets: readonly (string | undefined)[] = []): string {
  let detail = text;
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const error = json.error as Record<string, unknown> | string | undefined;
    const candidates = [
      typeof error === 'object' && error !== null ? error.message : undefined,
      json.message,
      json.error_description,
      typeof error === 'string' ? error : undefined,
    ];
    const found = candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '');
    if (found !== undefined) detail = found;
  } catch {
    // Not JSON: the first line of the text says it.
  }
  return firstLine(redact(detail, secrets));
}

/**
 * The `Idempotency-Key` header, the delivery id: a server that took a request whose answer was lost (a timeout,
 * then a retry of the delivery) can tell the retry from a new message. Characters a header value may not hold
 * are replaced, so the key is the same for every try.
 */
export const idempotencyKey = (deliveryId: string): string =>
  deliveryId.replace(/[^\x21-\x7e]/g, '_').slice(0, 255);

/** The value of a string field of an opened credential, or undefined. */
export function credentialText(
  fields: Record<string, unknown> | undefined,
  name: string,
): string | undefined {
  const value = fields?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
