// What a credential delivery reads: the account at the version asked for and its value, still sealed under the
// root key. Kept in memory by `id@version` once read — a version's value never changes — and dropped when the
// account changes on any server (the change feed) or the root key is rotated. Deliveries asked for at the same
// time (agents reconnecting together) read what is missing in two queries for all of them, and open each value
// once for all of them; nothing opened outlives the batch.
import type { OpenedCredential } from '../../../contract/agents.js';
import type { Keyring } from '../../../crypto/keyring.js';
import { createBatcher } from '../../../store/batcher.js';
import type { Db } from '../../../store/db.js';
import { notFound } from '../../errors.js';
import type { Change } from '../resolution/resolution-service.js';
import { findSealedMany, type SealedRow } from '../secrets/sealed-secrets-repo.js';
import * as repo from './accounts-repo.js';

/** Entries kept at most (every version of ~2,000 accounts fits many times over); past it, all are dropped. */
const MAX_KEPT = 20_000;

interface Readable {
  account: repo.AccountRow;
  value: SealedRow;
}

type Wanted = readonly { id: string; version: number }[];

export function createCredentialReads(d: {
  db: Db;
  keyring: Keyring;
  /** The change feed: every committed change, from this server and the others. */
  changes?: { onChange(listener: (change: Change) => void): unknown };
}) {
  const kept = new Map<string, Readable>();
  // Bumped by every drop: what was read before a change is not kept after it.
  let generation = 0;
  const forget = (accountId?: string) => {
    generation++;
    if (accountId === undefined) kept.clear();
    else for (const [key, r] of kept) if (r.account.id === accountId) kept.delete(key);
  };
  d.changes?.onChange((c) => {
    if (c.kind === 'reset' || c.kind.startsWith('root-key.')) forget();
    else if (c.kind.startsWith('account.') && c.target) forget(c.target);
  });

  /** The accounts and values not in memory, read in two queries; kept unless a change came meanwhile. */
  async function readMissing(wanted: { id: string; version: number; key: string }[]) {
    const before = generation;
    const rows = new Map(
      (await repo.findAccounts(d.db, [...new Set(wanted.map((w) => w.id))])).map((a) => [a.id, a]),
    );
    const current = wanted.filter((w) => rows.get(w.id)?.version === w.version);
    const values = new Map((await findSealedMany(d.db, current)).map((v) => [`${v.id}@${v.version}`, v]));
    const read = new Map<string, Readable | undefined>();
    for (const w of wanted) {
      const value = values.get(w.key);
      read.set(w.key, value ? { account: rows.get(w.id)!, value } : undefined);
      if (value && before === generation) {
        if (kept.size >= MAX_KEPT) kept.clear();
        kept.set(w.key, { account: rows.get(w.id)!, value });
      }
    }
    // An account at this version whose value is missing: a fault, for the requests that asked for it only.
    return { read, faulty: new Set(current.filter((w) => !values.has(w.key)).map((w) => w.key)) };
  }

  const reads = createBatcher(
    async (requests: Wanted[]) => {
      const missing = new Map<string, { id: string; version: number; key: string }>();
      for (const r of requests.flat()) {
        const key = `${r.id}@${r.version}`;
        if (!kept.has(key)) missing.set(key, { id: r.id, version: r.version, key });
      }
      const { read, faulty } = missing.size
        ? await readMissing([...missing.values()])
        : { read: new Map(), faulty: new Set() };
      const opened = new Map<string, Record<string, unknown>>();
      // Each request fails alone: a value missing or not opening fails only the requests that asked for it.
      return requests.map((requested): OpenedCredential[] | Error => {
        const out: OpenedCredential[] = [];
        try {
          for (const r of requested) {
            const key = `${r.id}@${r.version}`;
            if (faulty.has(key)) return notFound('Sealed value of account', key);
            const found = kept.get(key) ?? read.get(key);
            // Gone, or at another version now: left out.
            if (!found) continue;
            let secret = opened.get(key);
            if (!secret) {
              secret = JSON.parse(d.keyring.open(r.id, r.version, found.value).toString('utf8')) as Record<
                string,
                unknown
              >;
              opened.set(key, secret);
            }
            out.push({
              accountId: found.account.id,
              version: found.account.version,
              name: found.account.name,
              type: found.account.type,
              publicFields: found.account.publicFields as Record<string, unknown>,
              secret,
            });
          }
        } catch (err) {
          return err as Error;
        }
        return out;
      });
    },
    { maxBatch: 100 },
  );

  return {
    /**
     * Opens these accounts at these versions for delivery — name, type, public fields and secret; an account
     * gone or at another version is left out. What it returns must never reach a person, a log or an error.
     */
    async open(requested: Wanted): Promise<OpenedCredential[]> {
      const opened = await reads.add(requested);
      if (opened instanceof Error) throw opened;
      return opened;
    },
    /** Drops what is kept of this account (a change this server just committed). */
    forget,
  };
}
