// The `token.issue` audit records, written by group commit: the first record that finds nothing being written
// waits a moment for others (the jobs asking at the same time), and records that arrive while a transaction is
// being written wait and go together in the next one. A token is handed out only once its record is committed,
// so a crash loses no record of a token anyone holds — it only costs the tokens not yet handed out.
import type { Db } from '../../../store/db.js';
import { appendAuditBatch } from '../audit/audit-repo.js';

export interface TokenAuditRecord {
  actor: string;
  /** The identity the token is for. */
  target: string;
  /** Audience, principal, requester, jti, kid, expiry — never the token. */
  details: Record<string, unknown>;
}

export interface TokenAudit {
  /** Resolves once the record is committed; rejects when its transaction failed. */
  record(r: TokenAuditRecord): Promise<void>;
  /** Resolves once nothing waits. */
  flush(): Promise<void>;
}

/** Records written in one transaction at most. */
const MAX_BATCH = 500;

export function createTokenAudit(d: {
  db: Db;
  /** How long the first record waits for company before its transaction starts; default 2 ms. */
  gatherMs?: number;
}): TokenAudit {
  const gatherMs = d.gatherMs ?? 2;
  let queue: { r: TokenAuditRecord; ok: () => void; fail: (err: unknown) => void }[] = [];
  let writing: Promise<void> = Promise.resolve();
  let draining = false;

  async function drain() {
    if (gatherMs > 0) await new Promise((r) => setTimeout(r, gatherMs));
    // Ends in the same turn the loop sees an empty queue, so a record pushed after it starts a new drain.
    while (queue.length) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(batch.length);
      try {
        await d.db.transaction((tx) =>
          appendAuditBatch(
            tx,
            batch.map(({ r }) => ({ kind: 'token.issue', ...r })),
          ),
        );
        for (const b of batch) b.ok();
      } catch (err) {
        for (const b of batch) b.fail(err);
      }
    }
    draining = false;
  }

  return {
    record(r) {
      return new Promise<void>((ok, fail) => {
        queue.push({ r, ok, fail });
        if (!draining) {
          draining = true;
          writing = drain();
        }
      });
    },
    flush: () => writing,
  };
}
