// Agents, their enrollment tokens and the ids of used assertions in the database.
import { asc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { AgentStatus } from '../../../contract/agents.js';
import { type Executor, preparedPerExecutor } from '../../../store/db.js';
import { agents, assertionReplays, computers, enrollmentTokens } from '../../../store/schema.js';

export type AgentRow = typeof agents.$inferSelect;
export type EnrollmentTokenRow = typeof enrollmentTokens.$inferSelect;

export const insertEnrollmentTokens = (db: Executor, rows: (typeof enrollmentTokens.$inferInsert)[]) =>
  db.insert(enrollmentTokens).values(rows).returning();

/** Finds tokens by their hashes and locks them, in a fixed order so that two batches cannot deadlock. */
export const lockEnrollmentTokens = (db: Executor, tokenHashes: readonly string[]) =>
  db
    .select()
    .from(enrollmentTokens)
    .where(inArray(enrollmentTokens.tokenHash, [...tokenHashes]))
    .orderBy(asc(enrollmentTokens.id))
    .for('update');

export const markTokensUsed = (db: Executor, ids: readonly string[], at: Date) =>
  db
    .update(enrollmentTokens)
    .set({ usedAt: at })
    .where(inArray(enrollmentTokens.id, [...ids]));

/** Runs on every agent request: prepared once per database. */
const agentQuery = preparedPerExecutor((db) =>
  db
    .select()
    .from(agents)
    .where(eq(agents.id, sql.placeholder('id')))
    .prepare('steward_agent'),
);

export const findAgent = async (db: Executor, id: string) => (await agentQuery(db).execute({ id }))[0];

export const findAgents = (db: Executor, ids: readonly string[]) =>
  ids.length
    ? db
        .select()
        .from(agents)
        .where(inArray(agents.id, [...ids]))
    : Promise.resolve([]);

/** Approved agents, at most `limit` of them, most recently seen first (read at once after a start). */
export const approvedAgents = (db: Executor, limit: number) =>
  db
    .select()
    .from(agents)
    .where(eq(agents.status, 'approved'))
    .orderBy(sql`${agents.lastSeenAt} DESC NULLS LAST`)
    .limit(limit);

/** Agents by id, locked, in a fixed order. */
export const findAgentsForUpdate = (db: Executor, ids: readonly string[]) =>
  ids.length
    ? db
        .select()
        .from(agents)
        .where(inArray(agents.id, [...ids]))
        .orderBy(asc(agents.id))
        .for('update')
    : Promise.resolve([]);

/** Agents enrolled under any of these computer names, whatever their case (migration 0033). */
export const findAgentsByComputerNames = (db: Executor, names: readonly string[]) =>
  names.length
    ? db
        .select()
        .from(agents)
        .where(
          inArray(
            sql`lower(${agents.computerName})`,
            names.map((n) => n.toLowerCase()),
          ),
        )
        .orderBy(asc(agents.id))
    : Promise.resolve([]);

export const insertAgents = (db: Executor, rows: (typeof agents.$inferInsert)[]) =>
  rows.length ? db.insert(agents).values(rows) : Promise.resolve();

export const findAgentForUpdate = async (db: Executor, id: string) =>
  (await db.select().from(agents).where(eq(agents.id, id)).for('update'))[0];

/** Agents with whether their computer is registered, oldest enrollment first. */
export const listAgents = (db: Executor, status?: AgentStatus) =>
  db
    .select({ agent: agents, computerId: computers.id })
    .from(agents)
    .leftJoin(computers, eq(computers.id, agents.id))
    .where(status ? eq(agents.status, status) : undefined)
    .orderBy(asc(agents.enrolledAt), asc(agents.id));

export const countPending = async (db: Executor) =>
  Number(
    (await db.select({ n: sql<string>`count(*)` }).from(agents).where(eq(agents.status, 'pending')))[0]!.n,
  );

/** The agent enrolled under a computer name that has no registered computer yet (pending ones). */
export const findAgentByComputerName = async (db: Executor, name: string) =>
  (await db.select().from(agents).where(sql`lower(${agents.computerName}) = ${name.toLowerCase()}`))[0];

export const insertAgent = async (db: Executor, row: typeof agents.$inferInsert) =>
  (await db.insert(agents).values(row).returning())[0]!;

export const updateAgent = async (db: Executor, id: string, patch: Partial<typeof agents.$inferInsert>) =>
  (await db.update(agents).set(patch).where(eq(agents.id, id)).returning())[0];

/**
 * Those of these agents not approved now (revoked, pending or gone), in one statement (one array parameter,
 * however many): usually none, so nothing to read back for a fleet whose long-polls a change woke together.
 */
export async function notApprovedAmong(db: Executor, ids: readonly string[]): Promise<Set<string>> {
  const { rows } = (await db.execute(sql`
    SELECT x.id FROM unnest(${sql.param([...ids])}::text[]) AS x(id)
    WHERE NOT EXISTS (SELECT 1 FROM ${agents} a WHERE a.id = x.id AND a.status = 'approved')`)) as unknown as {
    rows: { id: string }[];
  };
  return new Set(rows.map((r) => r.id));
}

/** Records when agents were last seen, in one statement; an earlier time never replaces a later one. */
export const touchAgents = (db: Executor, seen: { id: string; at: Date }[]) =>
  db.execute(sql`
    UPDATE ${agents} SET last_seen_at = v.at
    FROM (SELECT unnest(${sql.param(seen.map((s) => s.id))}::text[]) AS id,
                 unnest(${sql.param(seen.map((s) => s.at.toISOString()))}::timestamptz[]) AS at) AS v
    WHERE ${agents.id} = v.id AND (${agents.lastSeenAt} IS NULL OR ${agents.lastSeenAt} < v.at)`);

/**
 * Records assertion ids in one statement; for each, false when it was recorded before (a replay). The ids
 * must be distinct.
 */
export async function recordAssertions(
  db: Executor,
  items: { jti: string; expiresAt: Date }[],
): Promise<boolean[]> {
  const inserted = await db
    .insert(assertionReplays)
    .values(items)
    .onConflictDoNothing()
    .returning({ jti: assertionReplays.jti });
  const fresh = new Set(inserted.map((r) => r.jti));
  return items.map((i) => fresh.has(i.jti));
}

export const purgeExpiredAssertions = (db: Executor, before: Date) =>
  db.delete(assertionReplays).where(lt(assertionReplays.expiresAt, before));
