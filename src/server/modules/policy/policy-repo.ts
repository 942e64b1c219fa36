// Policy assignments in the database.
import { and, asc, eq, like, or } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import { policyAssignments } from '../../../store/schema.js';

export type PolicyAssignmentRow = typeof policyAssignments.$inferSelect;

export const insertPolicyAssignment = async (db: Executor, row: typeof policyAssignments.$inferInsert) =>
  (await db.insert(policyAssignments).values(row).returning())[0]!;

export const findPolicyAssignment = async (db: Executor, id: string) =>
  (await db.select().from(policyAssignments).where(eq(policyAssignments.id, id)))[0];

export const findSamePolicyAssignment = async (db: Executor, definitionId: string, scope: string) =>
  (
    await db
      .select()
      .from(policyAssignments)
      .where(and(eq(policyAssignments.definitionId, definitionId), eq(policyAssignments.scope, scope)))
  )[0];

export const listPolicyAssignments = (db: Executor) =>
  db
    .select()
    .from(policyAssignments)
    .orderBy(asc(policyAssignments.scope), asc(policyAssignments.definitionId));

export const deletePolicyAssignment = (db: Executor, id: string) =>
  db.delete(policyAssignments).where(eq(policyAssignments.id, id));

/** Removes the assignments at a scope or beneath it (an automation account being deleted); how many. */
export const deletePolicyAssignmentsAtOrBeneath = async (db: Executor, scope: string) =>
  (
    await db
      .delete(policyAssignments)
      .where(
        or(
          eq(policyAssignments.scope, scope),
          like(policyAssignments.scope, `${scope.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`),
        ),
      )
      .returning({ id: policyAssignments.id })
  ).length;
