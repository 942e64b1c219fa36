// Workflow run results (the latest per agent, workflow and object) and what an agent reads to run its workflows.
import { and, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import { objects, workflowResults, workflows } from '../../../store/schema.js';

export type WorkflowResultRow = typeof workflowResults.$inferSelect;
export type NewWorkflowResult = typeof workflowResults.$inferInsert;

export const findWorkflows = (db: Executor, ids: readonly string[]) =>
  ids.length
    ? db
        .select()
        .from(workflows)
        .where(inArray(workflows.id, [...ids]))
    : Promise.resolve([]);

export const findObjectsById = (db: Executor, ids: readonly string[]) =>
  ids.length
    ? db
        .select({
          id: objects.id,
          classId: objects.classId,
          name: objects.name,
          properties: objects.properties,
        })
        .from(objects)
        .where(inArray(objects.id, [...ids]))
    : Promise.resolve([]);

const NOT_RUN = 'not-run-credentials-not-found';

/**
 * Keeps the latest result per (agent, workflow, object): an older result arriving late (a retried batch)
 * does not replace a newer one. A not-run streak keeps the time it began.
 */
export const upsertResults = (db: Executor, rows: NewWorkflowResult[]) =>
  rows.length
    ? db
        .insert(workflowResults)
        .values(rows)
        .onConflictDoUpdate({
          target: [workflowResults.agentId, workflowResults.workflowId, workflowResults.objectId],
          set: {
            outcome: sql`excluded.outcome`,
            startedAt: sql`excluded.started_at`,
            durationMs: sql`excluded.duration_ms`,
            exitCode: sql`excluded.exit_code`,
            timedOut: sql`excluded.timed_out`,
            accountId: sql`excluded.account_id`,
            accountVersion: sql`excluded.account_version`,
            stdout: sql`excluded.stdout`,
            stderr: sql`excluded.stderr`,
            reportedAt: sql`excluded.reported_at`,
            notRunSince: sql`CASE WHEN excluded.outcome = ${NOT_RUN}
              THEN coalesce(${workflowResults.notRunSince}, excluded.not_run_since) ELSE NULL END`,
          },
          setWhere: sql`excluded.started_at >= ${workflowResults.startedAt}`,
        })
    : Promise.resolve();

export interface ResultFilter {
  agentId?: string;
  workflowId?: string;
  objectId?: string;
  limit: number;
}

export const listResults = (db: Executor, f: ResultFilter) => {
  const where: SQL[] = [];
  if (f.agentId) where.push(eq(workflowResults.agentId, f.agentId));
  if (f.workflowId) where.push(eq(workflowResults.workflowId, f.workflowId));
  if (f.objectId) where.push(eq(workflowResults.objectId, f.objectId));
  return db
    .select()
    .from(workflowResults)
    .where(where.length ? and(...where) : undefined)
    .orderBy(
      desc(workflowResults.reportedAt),
      workflowResults.agentId,
      workflowResults.workflowId,
      workflowResults.objectId,
    )
    .limit(f.limit);
};
