// The single use of agent assertions. An assertion made for this server's own audience — new at every start
// of the process, and no other server's — can only ever be presented here, so its id is remembered in memory
// until it expires. One made for the audience every server accepts is recorded in the shared database, many
// requests' ids in one statement.
import { randomBytes } from 'node:crypto';
import { ASSERTION_AUDIENCE } from '../../../crypto/agent-keys.js';
import { createBatcher } from '../../../store/batcher.js';
import type { Db } from '../../../store/db.js';
import * as repo from './agents-repo.js';

/** Kept past an assertion's `exp`: more than the clock tolerance its check allows. */
const KEEP_AFTER_EXPIRY_MS = 60_000;
const SWEEP_INTERVAL_MS = 10_000;

export function createAssertionReplays(d: { db: Db }) {
  /** This process's own audience: an assertion made for it is good here, on this start, only. */
  const audience = `${ASSERTION_AUDIENCE}:${randomBytes(16).toString('base64url')}`;
  /** Ids used here, each with the time after which it may be forgotten (ms since the epoch). */
  const usedHere = new Map<string, number>();
  let lastSweep = 0;
  let lastPurge = 0;

  const shared = createBatcher(async (items: { jti: string; expiresAt: Date }[]) => {
    // The same id twice in one statement would insert once and look fresh to both: the later one is a replay.
    const first = new Map<string, number>();
    items.forEach((i, n) => {
      if (!first.has(i.jti)) first.set(i.jti, n);
    });
    const distinct = [...first.keys()].map((jti) => items[first.get(jti)!]!);
    const fresh = await repo.recordAssertions(d.db, distinct);
    const freshById = new Map(distinct.map((i, n) => [i.jti, fresh[n]!]));
    return items.map((i, n) => first.get(i.jti) === n && freshById.get(i.jti) === true);
  });

  function sweep(now: number) {
    if (now - lastSweep < SWEEP_INTERVAL_MS) return;
    lastSweep = now;
    for (const [jti, until] of usedHere) if (until < now) usedHere.delete(jti);
  }

  return {
    audience,
    /** The audiences an assertion may name here. */
    accepted: [ASSERTION_AUDIENCE, audience] as const,

    /** Records the assertion's single use; false when it was used before (here, or on any server if shared). */
    async record(a: { audience: string; jti: string; expiresAt: Date }, at: Date): Promise<boolean> {
      const now = at.getTime();
      if (a.audience === audience) {
        sweep(now);
        if (usedHere.has(a.jti)) return false;
        usedHere.set(a.jti, a.expiresAt.getTime() + KEEP_AFTER_EXPIRY_MS);
        return true;
      }
      const fresh = await shared.add({ jti: a.jti, expiresAt: a.expiresAt });
      if (fresh && now - lastPurge > KEEP_AFTER_EXPIRY_MS) {
        lastPurge = now;
        // Expired assertions are refused by their exp anyway; keep a margin over the clock tolerance.
        await repo.purgeExpiredAssertions(d.db, new Date(now - KEEP_AFTER_EXPIRY_MS));
      }
      return fresh;
    },
  };
}
