// The audit log: appended in the caller's transaction, each record chained to the one before by its hash.
import { createHash } from 'node:crypto';
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
}

const GENESIS = '0'.repeat(64);
const AUDIT_LOCK = 7_420_002;

export function hashRecord(r: Omit<AuditRecord, 'hash'>): string {
  return createHash('sha256')
    .update(
      canonicalJson({
        seq: r.seq,
        at: r.at.toISOString(),
        actor: r.actor,
        kind: r.kind,
        target: r.target,
        details: r.details,
        prevHash: r.prevHash,
      }),
    )
    .digest('hex');
}

/** Appends one record. Must run inside the transaction that makes the change it describes. */
export async function appendAudit(tx: Tx, entry: AuditEntry, now = new Date()): Promise<AuditRecord> {
  // Serialises appenders so the chain has no forks; held only until the caller's transaction ends.
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`);
  const [last] = await tx
    .select({ seq: auditLog.seq, hash: auditLog.hash })
    .from(auditLog)
    .orderBy(desc(auditLog.seq))
    .limit(1);
  const base = {
    seq: (last?.seq ?? 0) + 1,
    at: new Date(Math.floor(now.getTime())),
    actor: entry.actor,
    kind: entry.kind,
    target: entry.target ?? null,
    details: JSON.parse(canonicalJson(entry.details ?? {})) as Record<string, unknown>,
    prevHash: last?.hash ?? GENESIS,
  };
  const record = { ...base, hash: hashRecord(base) };
  await tx.insert(auditLog).values(record);
  await tx
    .insert(auditHead)
    .values({ id: 1, seq: record.seq, hash: record.hash })
    .onConflictDoUpdate({ target: auditHead.id, set: { seq: record.seq, hash: record.hash } });
  return record;
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
  problem: 'edited' | 'deleted-before' | 'chain-broken' | 'tail-deleted';
  message: string;
}

/** Walks the whole chain in pages; reports every record whose hash or link does not hold. */
export async function verifyAudit(
  db: Executor,
  pageSize = 1000,
): Promise<{ checked: number; problems: AuditProblem[] }> {
  const problems: AuditProblem[] = [];
  let prev: { seq: number; hash: string } = { seq: 0, hash: GENESIS };
  let checked = 0;
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
      if (hashRecord(r) !== r.hash) {
        problems.push({
          seq: r.seq,
          problem: 'edited',
          message: `Record #${r.seq} was edited after it was written.`,
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
  return { checked, problems };
}
