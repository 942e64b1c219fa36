// Objects and the hosts above them for requests that only read, from memory kept current by the change feed:
// a change committed on this server or another drops what it may have touched; deletions (which take what
// the object hosts with them) drop everything. A read first waits for the catch-up a write on this server
// started, so it sees that write. Writes keep reading the database in their transaction.

import { createBatcher } from '../../../store/batcher.js';
import type { Db } from '../../../store/db.js';
import type { Change } from '../resolution/resolution-service.js';
import { chainIn, type ObjectRow, selvesAndHosts } from './objects-repo.js';

const OBJECT_KINDS = /^(object|computer|pool)\.(\w+)$/;

export interface ObjectCache {
  /** The object and every host above it (none when the object is unknown), as one recursive query would. */
  selfAndHosts(id: string): Promise<ObjectRow[]>;
  /** Follows the change feed; until then every call reads the database. */
  follow(feed: { onChange(listener: (c: Change) => void): unknown }): void;
}

export interface ObjectCacheOptions {
  /**
   * Resolves once the change feed's catch-up under way (if any) ends: each write on this server starts one
   * before it answers, so a read that waits for it sees what the write changed (discoveries included).
   */
  settled?: () => Promise<unknown>;
  maxEntries?: number;
}

export function createObjectCache(db: Db, opts: ObjectCacheOptions = {}): ObjectCache {
  const maxEntries = opts.maxEntries ?? 50_000;
  const rows = new Map<string, ObjectRow>();
  let following = false;
  let generation = 0;
  const forget = (id?: string) => {
    generation++;
    if (id === undefined) rows.clear();
    else rows.delete(id);
  };
  const remember = (row: ObjectRow) => {
    if (rows.size >= maxEntries) rows.delete(rows.keys().next().value!);
    rows.set(row.id, row);
  };
  /** The chain from memory, or undefined when any link of it is not there. */
  const fromMemory = (id: string): ObjectRow[] | undefined => {
    const chain: ObjectRow[] = [];
    for (let cur = rows.get(id); cur; cur = cur.hostId === null ? undefined : rows.get(cur.hostId)) {
      chain.push(cur);
      if (cur.hostId === null) return chain;
      if (chain.length > 64) return undefined;
    }
    return undefined;
  };
  // What memory does not hold is read together: the requests of one turn of the event loop share one query.
  const reads = createBatcher(async (ids: string[]) => {
    const before = generation;
    const found = new Map((await selvesAndHosts(db, [...new Set(ids)])).map((r) => [r.id, r]));
    if (following && before === generation) for (const row of found.values()) remember(row);
    return ids.map((id) => chainIn(found, id));
  });
  return {
    async selfAndHosts(id) {
      await opts.settled?.();
      const known = fromMemory(id);
      if (known) return known;
      return reads.add(id);
    },
    follow(feed) {
      following = true;
      feed.onChange((c) => {
        if (c.kind === 'reset') return forget();
        const m = OBJECT_KINDS.exec(c.kind);
        if (!m || m[2] === 'create') return;
        forget(m[2] === 'update' && c.target ? c.target : undefined);
      });
    },
  };
}
