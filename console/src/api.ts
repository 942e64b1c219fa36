// The console's API client: the contract's typed client, sending the session cookie and its CSRF token.
import { ApiError, createClient, type RequestOptions } from '../../src/contract/client.js';

let csrfToken: string | null = null;

/** Kept in memory only (never in storage): a new page load asks the API again. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

const sessionFetch: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  if (csrfToken) headers.set('x-csrf-token', csrfToken);
  return fetch(input, { ...init, headers, credentials: 'same-origin' });
};

const client = createClient({ baseUrl: window.location.origin, fetch: sessionFetch, timeoutMs: 30_000 });

export const api = {
  get: <T>(path: string, opts?: RequestOptions<T>) => client.request<T>('GET', path, opts),
  post: <T>(path: string, body: unknown, opts?: RequestOptions<T>) =>
    client.request<T>('POST', path, { ...opts, body }),
  put: <T>(path: string, body: unknown, opts?: RequestOptions<T>) =>
    client.request<T>('PUT', path, { ...opts, body }),
  patch: <T>(path: string, body: unknown, opts?: RequestOptions<T>) =>
    client.request<T>('PATCH', path, { ...opts, body }),
  delete: (path: string) => client.request<void>('DELETE', path),
};

export { ApiError };

/** The API's own message for each field it refused, keyed by the path below `body.` (e.g. `credential.password`). */
export function fieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const issue of err.issues) out[issue.path.replace(/^body\.?/, '')] = issue.message;
  return out;
}

export const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
