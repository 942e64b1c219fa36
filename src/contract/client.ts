// Typed HTTP client for the Steward API: one `request` that speaks the error body and checks responses.
import { z } from 'zod';
import { errorBodySchema, type Issue } from './errors.js';

/** An error the server answered with (or UNAVAILABLE when it could not be reached). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions<T> {
  body?: unknown;
  query?: Record<string, QueryValue>;
  /** Checks the response body; the request fails with INTERNAL when the server sent something else. */
  schema?: z.ZodType<T>;
  /** This request's timeout, for one known to take long (the client's otherwise). */
  timeoutMs?: number;
}

export interface ClientOptions {
  baseUrl: string;
  token?: string;
  fetch?: typeof fetch;
  /** Per request; a server that does not answer in time is reported as UNAVAILABLE. */
  timeoutMs?: number;
}

export interface Client {
  readonly baseUrl: string;
  request<T = unknown>(method: string, path: string, opts?: RequestOptions<T>): Promise<T>;
}

/** The `{ items: [...] }` envelope every list endpoint answers with. */
export const listOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

/** Builds an API path, encoding every interpolated value as one path segment: apiPath`/api/v1/users/${id}`. */
export function apiPath(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce(
    (out, s, i) => out + s + (i < values.length ? encodeURIComponent(String(values[i])) : ''),
    '',
  );
}

const codeForStatus: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'RULE_VIOLATION',
  429: 'TOO_MANY_REQUESTS',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'UNAVAILABLE',
};

export function createClient(opts: ClientOptions): Client {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const base = opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`;
  const timeoutMs = opts.timeoutMs ?? 120_000;

  async function request<T>(method: string, path: string, ro: RequestOptions<T> = {}): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), base);
    for (const [k, v] of Object.entries(ro.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (ro.body !== undefined) headers['content-type'] = 'application/json';

    let res: Response;
    try {
      res = await doFetch(url, {
        method,
        headers,
        body: ro.body !== undefined ? JSON.stringify(ro.body) : undefined,
        signal: AbortSignal.timeout(ro.timeoutMs ?? timeoutMs),
      });
    } catch (err) {
      throw new ApiError(0, 'UNAVAILABLE', unreachableMessage(opts.baseUrl, err, ro.timeoutMs ?? timeoutMs));
    }

    const text = await res.text();
    let json: unknown;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (!res.ok) {
      const parsed = errorBodySchema.safeParse(json);
      if (parsed.success) {
        const e = parsed.data.error;
        throw new ApiError(res.status, e.code, e.message, e.requestId, e.issues ?? []);
      }
      throw new ApiError(
        res.status,
        codeForStatus[res.status] ?? 'INTERNAL',
        `The server at ${opts.baseUrl} answered ${res.status} ${res.statusText} without a Steward error body.`,
      );
    }
    if (res.status === 204 || !text) return undefined as T;
    if (json === undefined) {
      throw new ApiError(res.status, 'INTERNAL', `The server at ${opts.baseUrl} did not answer with JSON.`);
    }
    if (!ro.schema) return json as T;
    const checked = ro.schema.safeParse(json);
    if (!checked.success) {
      throw new ApiError(
        res.status,
        'INTERNAL',
        `The response of ${method} ${url.pathname} does not match what this client expects; are the client and server the same version?`,
      );
    }
    return checked.data;
  }

  return { baseUrl: opts.baseUrl, request };
}

function unreachableMessage(baseUrl: string, err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `The Steward server at ${baseUrl} did not answer within ${Math.round(timeoutMs / 1000)} s.`;
  }
  const cause =
    err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  // A pinned certificate that does not match says so in its own words; other causes by their code.
  const reason =
    (cause?.code === 'CERTIFICATE_PIN_MISMATCH' ? cause.message : undefined) ??
    cause?.code ??
    cause?.message ??
    (err instanceof Error ? err.message : String(err));
  return `Cannot reach the Steward server at ${baseUrl} (${reason}).`;
}
