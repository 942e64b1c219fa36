// Login throttling: too many failures for one user name (from anywhere) or one address lock sign-in for a while.

export interface LoginThrottle {
  /** Seconds to wait before the next attempt is allowed, or 0. */
  retryAfter(username: string, address: string): number;
  failed(username: string, address: string): void;
  succeeded(username: string, address: string): void;
}

export function createLoginThrottle(opts: {
  maxFailures: number;
  windowMs: number;
  now?: () => number;
}): LoginThrottle {
  const now = opts.now ?? Date.now;
  const failures = new Map<string, number[]>();
  const keys = (u: string, a: string) => [`u:${u.toLowerCase()}`, `a:${a}`];
  const recent = (key: string) => {
    const cutoff = now() - opts.windowMs;
    const list = (failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) failures.set(key, list);
    else failures.delete(key);
    return list;
  };
  return {
    retryAfter(u, a) {
      let wait = 0;
      for (const key of keys(u, a)) {
        // An address gets more room than a name: several people may share one address.
        const limit = key.startsWith('a:') ? opts.maxFailures * 4 : opts.maxFailures;
        const list = recent(key);
        if (list.length >= limit) wait = Math.max(wait, list[list.length - limit]! + opts.windowMs - now());
      }
      return Math.ceil(wait / 1000);
    },
    failed(u, a) {
      for (const key of keys(u, a)) failures.set(key, [...recent(key), now()]);
    },
    succeeded(u) {
      failures.delete(`u:${u.toLowerCase()}`);
    },
  };
}
