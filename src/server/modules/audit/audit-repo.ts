// The audit log: appended in the caller's transaction, each record chained to the one before by an HMAC whose
// key is derived from the root key, which the database never holds.
import { createHash, createHmac } from 'node:crypto';
import { and, asc, desc, eq, gte, lte, type SQL, sql } from 'drizzle-orm';
import { canonicalJson } from '../../../domain/canonical-json.js';
import type { Executor, Tx } from '../../../store/db.js';
import { auditHead, auditLog } from '../../../store/schema.js';

export interface AuditEntry {
  actor: string;
  kind: string;
  target?: string | null;
  /** Never a secret: audit records are read by people. */
  details?: Record<string, unknown>;
}

export interface AuditRecord {
  seq: number;
  at: Date;
  actor: string;
  kind: string;
  target: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
  /** Root key id of the chain key that made `hash`; null for a record from before the chain was keyed. */
  keyId: string | null;
}

const GENESIS = '0'.repeat(64);
const AUDIT_LOCK = 7_420_002;

/** Where the chain keys come from: the keyring of this process (the root key is one per process). */
export interface AuditChainKeys {
  currentKeyId(): string;
  /** Throws when this process does not hold that root key. */
  derive(purpose: 'audit-chain', rootKeyId?: string): Buffer;
}

let chainKeys: AuditChainKeys | undefined;

/** Sets the keys this process chains audit records with; called once at start, before anything is appended. */
export function useAuditChainKeys(keys: AuditChainKeys): void {
  chainKeys = keys;
}

const keyFor = (keyId: string) => {
  try {
    return chainKeys?.derive('audit-chain', keyId);
  } catch {
    return undefined;
  }
};

/**
 * The record's hash: HMAC-SHA256 under `key` over its canonical JSON (with its key id), or plain SHA-256 for
 * a record from before the chain was keyed (`key` undefined and no key id).
 */
export function hashRecord(r: Omit<AuditRecord, 'hash'>, key: Buffer | undefined): string {
  const fields = {
    seq: r.seq,
    at: r.at.toISOString(),
    actor: r.actor,
    kind: r.kind,
    target: r.target,
    details: r.details,
    prevHash: r.prevHash,
    ...(r.keyId ? { keyId: r.keyId } : {}),
  };
  const text = canonicalJson(fields);
  return key
    ? createHmac('sha256', key).update(text).digest('hex')
    : createHash('sha256').update(text).digest('hex');
}

const toRow = (r: AuditRecord) => ({
  seq: r.seq,
  at: r.at.toISOString(),
  actor: r.actor,
  kind: r.kind,
  target: r.target,
  details: r.details,
  prev_hash: r.prevHash,
  hash: r.hash,
  key_id: r.keyId,
});

/** Appends one record. Must run inside the transaction that makes the change it describes. */
export async function appendAudit(tx: Tx, entry: AuditEntry, now = new Date()): Promise<AuditRecord> {
  return (await appendAuditBatch(tx, [entry], now))[0]!;
}

/** The chain's end, read under its lock in the transaction `tx` (which holds the lock until it ends). */
export interface LockedChainEnd {
  readonly tx: Tx;
  readonly seq: string | number | undefined;
  readonly hash: string | undefined;
}

/**
 * Runs `statement` (a write with a RETURNING list) and, in the same round trip, takes the chain's lock and
 * reads its end, as `appendAuditBatch` would: for a transaction whose last write comes just before its audit
 * records. The lock is taken after the statement's rows are written, as when it is taken by the append (a
 * writer never waits for rows while holding the chain). Returns the statement's rows, as JSON values.
 */
export async function writeThenLockChain<R>(
  tx: Tx,
  statement: SQL,
): Promise<{ rows: R[]; end: LockedChainEnd }> {
  // The function's argument depends on the written rows, so it is called once they all are.
  const result = (await tx.execute(sql`
    WITH written AS (${statement}),
      done AS (SELECT count(*) AS n FROM written)
    SELECT e.seq, e.hash, (SELECT coalesce(json_agg(w), '[]'::json) FROM written w) AS rows
    FROM done LEFT JOIN LATERAL steward_audit_chain_end(${AUDIT_LOCK} + 0 * done.n) e ON true`)) as unknown as {
    rows: { seq: string | number | null; hash: string | null; rows: R[] | string }[];
  };
  const [row] = result.rows;
  const rows = typeof row!.rows === 'string' ? (JSON.parse(row!.rows) as R[]) : row!.rows;
  return { rows, end: { tx, seq: row!.seq ?? undefined, hash: row!.hash ?? undefined } };
}

/** Takes the chain's lock (held until the transaction ends) and reads its end after it: one round trip. */
async function lockChain(tx: Tx): Promise<LockedChainEnd> {
  const end = (await tx.execute(
    sql`SELECT seq, hash FROM steward_audit_chain_end(${AUDIT_LOCK})`,
  )) as unknown as { rows: { seq: string | number; hash: string }[] };
  return { tx, seq: end.rows[0]?.seq, hash: end.rows[0]?.hash };
}

/**
 * Appends records in the order given, chained one to the next, with one lock, one read of the chain's end and
 * one insert however many there are. Must run inside the transaction that makes the changes they describe;
 * `locked` is the end `writeThenLockChain` read in it, when it did.
 */
export async function appendAuditBatch(
  tx: Tx,
  entries: AuditEntry[],
  now = new Date(),
  locked?: LockedChainEnd,
): Promise<AuditRecord[]> {
  if (!chainKeys) throw new Error('The audit chain has no key: useAuditChainKeys() must run at start.');
  if (!entries.length) return [];
  if (locked && locked.tx !== tx) throw new Error('The chain was locked in another transaction.');
  const keyId = chainKeys.currentKeyId();
  const key = chainKeys.derive('audit-chain', keyId);
  // Serialises appenders so the chain has no forks (the lock is held only until the caller's transaction ends),
  // and reads the chain's end after taking it: one round trip (migration 0028).
  const last = locked ?? (await lockChain(tx));
  const at = new Date(Math.floor(now.getTime()));
  let seq = Number(last.seq ?? 0);
  let prevHash = last.hash ?? GENESIS;
  const records = entries.map((entry) => {
    const base = {
      seq: ++seq,
      at,
      actor: entry.actor,
      kind: entry.kind,
      target: entry.target ?? null,
      details: JSON.parse(canonicalJson(entry.details ?? {})) as Record<string, unknown>,
      prevHash,
      keyId,
    };
    const record = { ...base, hash: hashRecord(base, key) };
    prevHash = record.hash;
    return record;
  });
  const head = records[records.length - 1]!;
  // One statement however many records: the batch as one JSON parameter taken apart by the database, and the
  // chain's head moved to its last record.
  await tx.execute(sql`
    WITH appended AS (
      INSERT INTO audit_log (seq, at, actor, kind, target, details, prev_hash, hash, key_id)
      SELECT seq, at, actor, kind, target, details, prev_hash, hash, key_id
      FROM jsonb_to_recordset(${JSON.stringify(records.map(toRow))}::jsonb) AS r(
        seq bigint, at timestamptz, actor text, kind text, target text, details jsonb,
        prev_hash text, hash text, key_id text)
    )
    INSERT INTO audit_head (id, seq, hash) VALUES (1, ${head.seq}, ${head.hash})
    ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash`);
  return records;
}

export interface AuditFilter {
  actor?: string;
  kind?: string;
  since?: Date;
  until?: Date;
  afterSeq?: number;
  limit: number;
}

export async function listAudit(db: Executor, f: AuditFilter): Promise<AuditRecord[]> {
  const where: SQL[] = [];
  if (f.actor) where.push(eq(auditLog.actor, f.actor));
  if (f.kind)
    where.push(
      f.kind.endsWith('.*')
        ? sql`${auditLog.kind} LIKE ${`${f.kind.slice(0, -1)}%`}`
        : eq(auditLog.kind, f.kind),
    );
  if (f.since) where.push(gte(auditLog.at, f.since));
  if (f.until) where.push(lte(auditLog.at, f.until));
  if (f.afterSeq !== undefined) where.push(sql`${auditLog.seq} > ${f.afterSeq}`);
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(asc(auditLog.seq))
    .limit(f.limit);
  return rows as AuditRecord[];
}

export interface AuditProblem {
  seq: number;
  problem:
    | 'edited'
    | 'deleted-before'
    | 'chain-broken'
    | 'tail-deleted'
    | 'unkeyed'
    | 'unverifiable'
    | 'checkpoint-mismatch';
  message: string;
}

/** A record kept outside the database: the chain must still hold it, with this hash, at this place. */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
}

export interface AuditVerification {
  checked: number;
  /** First record chained with a key; records before it are from before keying (plain SHA-256). */
  keyedFrom: number | null;
  problems: AuditProblem[];
}

/**
 * Walks the whole chain in pages; reports every record whose HMAC or link does not hold, a plain-hash record
 * after a keyed one, and — given a checkpoint kept elsewhere — a chain that no longer holds it.
 */
export async function verifyAudit(
  db: Executor,
  opts: { pageSize?: number; checkpoint?: AuditCheckpoint } = {},
): Promise<AuditVerification> {
  const pageSize = opts.pageSize ?? 1000;
  const problems: AuditProblem[] = [];
  let prev: { seq: number; hash: string } = { seq: 0, hash: GENESIS };
  let checked = 0;
  let keyedFrom: number | null = null;
  let checkpointSeen = false;
  for (;;) {
    const page = (await db
      .select()
      .from(auditLog)
      .where(sql`${auditLog.seq} > ${prev.seq}`)
      .orderBy(asc(auditLog.seq))
      .limit(pageSize)) as AuditRecord[];
    if (page.length === 0) break;
    for (const r of page) {
      checked++;
      if (r.seq !== prev.seq + 1) {
        const missing = r.seq - prev.seq - 1;
        problems.push({
          seq: r.seq,
          problem: 'deleted-before',
          message: `${missing} record(s) before #${r.seq} (from #${prev.seq + 1}) were deleted.`,
        });
      } else if (r.prevHash !== prev.hash) {
        problems.push({
          seq: r.seq,
          problem: 'chain-broken',
          message: `Record #${r.seq} does not follow #${prev.seq}: the record before it was altered or replaced.`,
        });
      }
      const key = r.keyId ? keyFor(r.keyId) : undefined;
      if (r.keyId) keyedFrom ??= r.seq;
      if (!r.keyId && keyedFrom !== null) {
        problems.push({
          seq: r.seq,
          problem: 'unkeyed',
          message: `Record #${r.seq} carries a plain hash after keyed records: it was rewritten without the key.`,
        });
      } else if (r.keyId && !key) {
        problems.push({
          seq: r.seq,
          problem: 'unverifiable',
          message: `Record #${r.seq} is chained with root key ${r.keyId}, which this server does not hold.`,
        });
      } else if (hashRecord(r, key) !== r.hash) {
        problems.push({
          seq: r.seq,
          problem: 'edited',
          message: `Record #${r.seq} was edited after it was written.`,
        });
      }
      if (opts.checkpoint && r.seq === opts.checkpoint.seq) {
        checkpointSeen = true;
        if (r.hash !== opts.checkpoint.hash)
          problems.push({
            seq: r.seq,
            problem: 'checkpoint-mismatch',
            message: `Record #${r.seq} is not the one the checkpoint names: the log was rewritten up to it.`,
          });
      }
      prev = { seq: r.seq, hash: r.hash };
    }
  }
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  if (head && (head.seq !== prev.seq || head.hash !== prev.hash)) {
    problems.push(
      head.seq > prev.seq
        ? {
            seq: head.seq,
            problem: 'tail-deleted',
            message: `Records #${prev.seq + 1} to #${head.seq} were deleted from the end of the log.`,
          }
        : {
            seq: prev.seq,
            problem: 'chain-broken',
            message: `Record #${prev.seq} is not the last record written (#${head.seq} was).`,
          },
    );
  }
  if (opts.checkpoint && !checkpointSeen)
    problems.push({
      seq: opts.checkpoint.seq,
      problem: 'checkpoint-mismatch',
      message: `Record #${opts.checkpoint.seq} of the checkpoint is gone: the log was cut back below it.`,
    });
  return { checked, keyedFrom, problems };
}

/** The head of the chain, to keep outside the database and give to a later verification. */
export async function auditCheckpoint(db: Executor): Promise<(AuditCheckpoint & { at: Date }) | undefined> {
  const [last] = await db
    .select({ seq: auditLog.seq, hash: auditLog.hash, at: auditLog.at })
    .from(auditLog)
    .orderBy(desc(auditLog.seq))
    .limit(1);
  return last;
}
