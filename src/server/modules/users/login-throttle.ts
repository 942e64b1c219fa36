// Login throttling in the database: every attempt is counted before its password is checked, per user name
// (from anywhere) and per address, so parallel attempts, other servers and restarts cannot get past a lock.
import { createHmac } from 'node:crypto';
import { lt, sql } from 'drizzle-orm';
import type { Db } from '../../../store/db.js';
import { loginAttempts } from '../../../store/schema.js';

export type Admission = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface LoginThrottle {
  /** Counts one attempt for the name and the address; refused once either has used up its window. */
  admit(username: string, address: string): Promise<Admission>;
  /** A right password: the name starts afresh and the address gets its attempt back. */
  succeeded(username: string, address: string): Promise<void>;
}

const PRUNE_EVERY_MS = 60_000;

/** A user name as a keyed hash (HMAC-SHA256, base64url): the same name gives the same text, and only with the key. */
export const keyedNameHash = (key: Buffer, typedName: string) =>
  createHmac('sha256', key).update(typedName.toLowerCase()).digest('base64url');

export function createLoginThrottle(opts: {
  db: Db;
  maxFailures: number;
  windowMs: number;
  /** Key of the keyed hash that stands for a user name: what people type there is never stored. */
  nameKey: Buffer;
  now?: () => Date;
}): LoginThrottle {
  const now = opts.now ?? (() => new Date());
  const nameKey = (u: string) => `u:${keyedNameHash(opts.nameKey, u)}`;
  const addressKey = (a: string) => `a:${a}`;
  // An address gets more room than a name: several people may share one address.
  const limitOf = (key: string) => (key.startsWith('a:') ? opts.maxFailures * 4 : opts.maxFailures);
  let prunedAt = 0;

  async function prune(at: Date) {
    if (at.getTime() - prunedAt < PRUNE_EVERY_MS) return;
    prunedAt = at.getTime();
    await opts.db
      .delete(loginAttempts)
      .where(lt(loginAttempts.windowStartedAt, new Date(at.getTime() - opts.windowMs)));
  }

  return {
    async admit(username, address) {
      const at = now();
      const cutoff = new Date(at.getTime() - opts.windowMs);
      // One statement counts both: a window that has run out starts again at this attempt.
      const rows = await opts.db
        .insert(loginAttempts)
        .values([
          { key: nameKey(username), attempts: 1, windowStartedAt: at },
          { key: addressKey(address), attempts: 1, windowStartedAt: at },
        ])
        .onConflictDoUpdate({
          target: loginAttempts.key,
          set: {
            attempts: sql`CASE WHEN ${loginAttempts.windowStartedAt} <= ${cutoff.toISOString()}::timestamptz THEN 1 ELSE ${loginAttempts.attempts} + 1 END`,
            windowStartedAt: sql`CASE WHEN ${loginAttempts.windowStartedAt} <= ${cutoff.toISOString()}::timestamptz THEN ${at.toISOString()}::timestamptz ELSE ${loginAttempts.windowStartedAt} END`,
          },
        })
        .returning();
      await prune(at);
      let waitMs = 0;
      for (const r of rows) {
        if (r.attempts > limitOf(r.key))
          waitMs = Math.max(waitMs, r.windowStartedAt.getTime() + opts.windowMs - at.getTime());
      }
      return waitMs > 0
        ? { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) }
        : { allowed: true };
    },

    async succeeded(username, address) {
      await opts.db.transaction(async (tx) => {
        await tx.delete(loginAttempts).where(sql`${loginAttempts.key} = ${nameKey(username)}`);
        await tx
          .update(loginAttempts)
          .set({ attempts: sql`GREATEST(${loginAttempts.attempts} - 1, 0)` })
          .where(sql`${loginAttempts.key} = ${addressKey(address)}`);
      });
    },
  };
}
