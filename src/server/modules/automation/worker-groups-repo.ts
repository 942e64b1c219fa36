// Hybrid worker groups and their agents in the database, and the hybrid jobs' queue: claimed by one agent of
// the group with SKIP LOCKED, renewed by the agent's posts, suspended when those stop.
import { and, asc, eq, inArray, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import {
  agents,
  automationAccounts,
  automationJobs,
  hybridWorkerGroupAgents,
  hybridWorkerGroups,
} from '../../../store/schema.js';
import type { JobRow } from './jobs-repo.js';

export type WorkerGroupRow = typeof hybridWorkerGroups.$inferSelect;

export const insertGroup = async (db: Executor, row: typeof hybridWorkerGroups.$inferInsert) =>
  (await db.insert(hybridWorkerGroups).values(row).returning())[0]!;

export const findGroup = async (db: Executor, id: string) =>
  (await db.select().from(hybridWorkerGroups).where(eq(hybridWorkerGroups.id, id)))[0];

export const findGroupByName = async (db: Executor, name: string) =>
  (await db.select().from(hybridWorkerGroups).where(eq(hybridWorkerGroups.name, name)))[0];

export const listGroups = (db: Executor) =>
  db.select().from(hybridWorkerGroups).orderBy(asc(hybridWorkerGroups.name));

export const updateGroup = async (
  db: Executor,
  id: string,
  patch: Partial<typeof hybridWorkerGroups.$inferInsert>,
) => (await db.update(hybridWorkerGroups).set(patch).where(eq(hybridWorkerGroups.id, id)).returning())[0];

export const deleteGroup = (db: Executor, id: string) =>
  db.delete(hybridWorkerGroups).where(eq(hybridWorkerGroups.id, id));

/** The groups that name this Run As account. */
export const groupsRunningAs = (db: Executor, accountId: string) =>
  db.select().from(hybridWorkerGroups).where(eq(hybridWorkerGroups.runAsAccountId, accountId));

/** The agents of the given groups, with what the agent row says of them. */
export const workersOf = (db: Executor, groupIds: readonly string[]) =>
  groupIds.length
    ? db
        .select({ member: hybridWorkerGroupAgents, agent: agents })
        .from(hybridWorkerGroupAgents)
        .innerJoin(agents, eq(agents.id, hybridWorkerGroupAgents.agentId))
        .where(inArray(hybridWorkerGroupAgents.groupId, [...groupIds]))
        .orderBy(asc(agents.computerName))
    : Promise.resolve([]);

export const addWorker = async (db: Executor, row: typeof hybridWorkerGroupAgents.$inferInsert) =>
  (await db.insert(hybridWorkerGroupAgents).values(row).onConflictDoNothing().returning()).length === 1;

export const removeWorker = async (db: Executor, groupId: string, agentId: string) =>
  (
    await db
      .delete(hybridWorkerGroupAgents)
      .where(and(eq(hybridWorkerGroupAgents.groupId, groupId), eq(hybridWorkerGroupAgents.agentId, agentId)))
      .returning()
  ).length === 1;

/** Jobs of the group that have not ended: queued, running or suspended. */
export const unfinishedJobsOf = (db: Executor, groupId: string) =>
  db
    .select({ id: automationJobs.id, status: automationJobs.status })
    .from(automationJobs)
    .where(
      and(
        eq(automationJobs.runOn, groupId),
        inArray(automationJobs.status, ['New', 'Queued', 'Running', 'Suspended']),
      ),
    );

/**
 * Takes up to `max` of the oldest queued jobs of the groups this agent belongs to, whose account runs fewer
 * jobs than its limit, and marks them Running on this agent. A job is handed to one agent only.
 */
export async function claimForAgent(db: Executor, agentId: string, at: Date, max: number): Promise<JobRow[]> {
  const running = db
    .select({ n: sql<number>`count(*)` })
    .from(sql`automation_jobs r`)
    .where(sql`r.automation_account_id = ${automationJobs.automationAccountId} AND r.status = 'Running'`);
  const groups = db
    .select({ id: hybridWorkerGroupAgents.groupId })
    .from(hybridWorkerGroupAgents)
    .where(eq(hybridWorkerGroupAgents.agentId, agentId));
  return db
    .update(automationJobs)
    .set({ status: 'Running', claimedBy: agentId, heartbeatAt: at, startedAt: at })
    .where(
      inArray(
        automationJobs.id,
        db
          .select({ id: automationJobs.id })
          .from(automationJobs)
          .innerJoin(automationAccounts, eq(automationAccounts.id, automationJobs.automationAccountId))
          .where(
            and(
              inArray(automationJobs.status, ['New', 'Queued']),
              eq(automationJobs.stopRequested, false),
              inArray(automationJobs.runOn, groups),
              sql`(${running}) < ${automationAccounts.maxConcurrentJobs}`,
            ),
          )
          .orderBy(asc(automationJobs.createdAt), asc(automationJobs.id))
          .limit(max)
          .for('update', { of: automationJobs, skipLocked: true }),
      ),
    )
    .returning();
}

/** Whether a job of these groups is waiting: a long-polling agent looks before it claims. */
export const queuedFor = async (db: Executor, agentId: string) =>
  (
    await db
      .select({ id: automationJobs.id })
      .from(automationJobs)
      .innerJoin(hybridWorkerGroupAgents, eq(hybridWorkerGroupAgents.groupId, automationJobs.runOn))
      .where(
        and(eq(hybridWorkerGroupAgents.agentId, agentId), inArray(automationJobs.status, ['New', 'Queued'])),
      )
      .limit(1)
  ).length > 0;

/** The job, when this agent runs it now; locked for the change that follows. */
export const heldBy = async (db: Executor, jobId: string, agentId: string) =>
  (
    await db
      .select()
      .from(automationJobs)
      .where(
        and(
          eq(automationJobs.id, jobId),
          eq(automationJobs.claimedBy, agentId),
          eq(automationJobs.status, 'Running'),
          ne(automationJobs.runOn, 'cloud'),
        ),
      )
      .for('update')
  )[0];

/** Running hybrid jobs whose agent has not posted since `before`: it stopped or lost its way here. */
export const lostHybrid = (db: Executor, before: Date) =>
  db
    .select()
    .from(automationJobs)
    .where(
      and(
        eq(automationJobs.status, 'Running'),
        ne(automationJobs.runOn, 'cloud'),
        or(isNull(automationJobs.heartbeatAt), lt(automationJobs.heartbeatAt, before)),
      ),
    )
    .for('update', { skipLocked: true });
