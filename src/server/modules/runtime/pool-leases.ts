// This server's share of pool work: it takes the lease of each pool it belongs to when nobody holds it,
// renews what it holds, and hands it back on stop — so each pool's work runs on one live member at a time,
// and another member takes over within the lease time when that one dies.
import type { Db } from '../../../store/db.js';
import * as repo from './pool-leases-repo.js';

export interface PoolLeasesDeps {
  db: Db;
  serverId: string;
  /** How long a lease lasts unrenewed: a dead holder's pools are taken over after at most this. */
  ttlMs?: number;
  now?: () => Date;
  onError?: (err: unknown) => void;
  /** Called after each renewal round that gained or lost a pool, with the pools held now. */
  onChange?: (held: ReadonlySet<string>) => void;
}

export type PoolLeases = ReturnType<typeof createPoolLeases>;

export const DEFAULT_LEASE_TTL_MS = 15_000;

export function createPoolLeases(d: PoolLeasesDeps) {
  const ttlMs = d.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const now = d.now ?? (() => new Date());
  let held = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;

  async function renew() {
    const mine = await repo.poolsOfServer(d.db, d.serverId);
    const next = new Set<string>();
    const at = now();
    for (const poolId of mine) if (await repo.tryHold(d.db, poolId, d.serverId, at, ttlMs)) next.add(poolId);
    const left = [...held].filter((p) => !mine.includes(p));
    if (left.length) await repo.release(d.db, d.serverId, left);
    const changed = next.size !== held.size || [...next].some((p) => !held.has(p));
    held = next;
    if (changed) d.onChange?.(held);
  }

  return {
    /** One renewal round now (rounds never overlap). */
    renew(): Promise<void> {
      round ??= renew().finally(() => {
        round = undefined;
      });
      return round;
    },
    /** Renews every third of the lease time. */
    start() {
      const tick = () => void this.renew().catch((err) => d.onError?.(err));
      tick();
      timer = setInterval(tick, Math.max(50, Math.floor(ttlMs / 3)));
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await round?.catch(() => undefined);
      const had = held.size > 0;
      held = new Set();
      await repo.release(d.db, d.serverId);
      if (had) d.onChange?.(held);
    },
    holds: (poolId: string) => held.has(poolId),
    held: (): ReadonlySet<string> => held,
  };
}
