// An administrator's session on a server under bench: JSON calls that throw on anything but success.
import { api } from '../test/support/server-process.js';

/** JSON calls to `url` with `token`; a failure names the call, its status and body, or why it did not get one. */
export function adminOf(url: string, token: string) {
  return async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await api<T>(url, method, path, { token, body }).catch((err: Error) => {
      throw new Error(`${method} ${path}: ${err.message} (${(err.cause as Error | undefined)?.message})`);
    });
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
}

export type Admin = ReturnType<typeof adminOf>;
