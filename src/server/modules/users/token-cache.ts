// API tokens resolved to their principal once and answered from memory after that: an entry lives at most a
// second, and is dropped at once when the change feed brings a change to its token or user (a revocation,
// a disabled or deleted user, a new role or password) committed on this server or another.
import { hashToken } from '../../../crypto/passwords.js';
import type { Principal } from '../../principal.js';
import type { Change } from '../resolution/resolution-service.js';

/** The change feed as the cache follows it. */
export interface TokenCacheFeed {
  onChange(listener: (change: Change) => void): unknown;
}

/** Routes whose writes change tokens or users: this server forgets every token before it answers them. */
export const TOKEN_ROUTES = /^\/api\/v1\/(users|tokens|me|auth)(\/|$)/;

const MAX_ENTRIES = 50_000;

export function createTokenCache(d: {
  authenticate: (token: string) => Promise<Principal | undefined>;
  /** How long an entry is answered without the database; 1 s by default. */
  maxAgeMs?: number;
  now?: () => number;
}) {
  const maxAgeMs = d.maxAgeMs ?? 1000;
  const now = d.now ?? Date.now;
  const entries = new Map<string, { principal: Principal; at: number }>();
  let feed: TokenCacheFeed | undefined;
  // Bumped by every change that reaches tokens: a principal read before it is not kept after it.
  let generation = 0;

  const forgetWhere = (match: (p: Principal) => boolean) => {
    generation++;
    for (const [k, e] of entries) if (match(e.principal)) entries.delete(k);
  };

  function onChange(c: Change) {
    if (c.kind === 'reset') {
      generation++;
      entries.clear();
    } else if (c.kind === 'token.revoke') forgetWhere((p) => p.tokenId === c.target);
    else if (c.kind.startsWith('user.')) forgetWhere((p) => p.userId === c.target || c.target === null);
  }

  return {
    /** Follows the change feed; until then every request asks the database. */
    follow(f: TokenCacheFeed) {
      feed = f;
      f.onChange(onChange);
    },

    /** Forgets every token: a change to tokens or users was just committed here (the feed brings it later). */
    forgetAll() {
      generation++;
      entries.clear();
    },

    /** The token's principal, or undefined for anything not valid now. */
    async authenticate(token: string): Promise<Principal | undefined> {
      if (!feed) return d.authenticate(token);
      const key = hashToken(token);
      const hit = entries.get(key);
      if (hit && now() - hit.at < maxAgeMs) return hit.principal;
      const before = generation;
      const at = now();
      const principal = await d.authenticate(token);
      if (!principal) entries.delete(key);
      else if (before === generation) {
        if (entries.size >= MAX_ENTRIES) entries.clear();
        entries.set(key, { principal, at });
      }
      return principal;
    },
  };
}
