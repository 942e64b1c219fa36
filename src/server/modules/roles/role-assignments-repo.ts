// Role assignments in the database. Every authorization of an identity token reads its principal's rows here
// (one indexed query, no cache), so a removal bites on the next request on every server.
import { and, asc, eq, like, or, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import { roleAssignments } from '../../../store/schema.js';

export type RoleAssignmentRow = typeof roleAssignments.$inferSelect;

export const insertRoleAssignment = async (db: Executor, row: typeof roleAssignments.$inferInsert) =>
  (await db.insert(roleAssignments).values(row).returning())[0]!;

export const findRoleAssignment = async (db: Executor, id: string) =>
  (await db.select().from(roleAssignments).where(eq(roleAssignments.id, id)))[0];

export const findSameAssignment = async (db: Executor, principalId: string, role: string, scope: string) =>
  (
    await db
      .select()
      .from(roleAssignments)
      .where(
        and(
          eq(roleAssignments.principalId, principalId),
          eq(roleAssignments.role, role),
          eq(roleAssignments.scope, scope),
        ),
      )
  )[0];

/** `LIKE` pattern of every path beneath a scope path (ids hold no `%` or `_`-free guarantee: escape both). */
const beneath = (scope: string) => `${scope.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`;

/** The scope itself or anything beneath it. */
const atOrBeneath = (scope: string): SQL | undefined =>
  scope === '/'
    ? undefined
    : or(eq(roleAssignments.scope, scope), like(roleAssignments.scope, beneath(scope)));

export const listRoleAssignments = (db: Executor, filter: { principalId?: string; scope?: string }) =>
  db
    .select()
    .from(roleAssignments)
    .where(
      and(
        filter.principalId ? eq(roleAssignments.principalId, filter.principalId) : undefined,
        filter.scope ? atOrBeneath(filter.scope) : undefined,
      ),
    )
    .orderBy(asc(roleAssignments.scope), asc(roleAssignments.principalId), asc(roleAssignments.role));

export const assignmentsOf = (db: Executor, principalId: string) =>
  db
    .select({ role: roleAssignments.role, scope: roleAssignments.scope })
    .from(roleAssignments)
    .where(eq(roleAssignments.principalId, principalId));

export const deleteRoleAssignment = (db: Executor, id: string) =>
  db.delete(roleAssignments).where(eq(roleAssignments.id, id));

/** Removes the assignments of an identity (an account's system identity: the account id; else the uami_…). */
export const deleteAssignmentsOfIdentity = async (db: Executor, identityId: string) =>
  (await db.delete(roleAssignments).where(eq(roleAssignments.identityId, identityId)).returning()).length;

/** Removes the assignments at a scope and beneath it (its resource is deleted). */
export const deleteAssignmentsAtOrBeneath = async (db: Executor, scope: string) =>
  (await db.delete(roleAssignments).where(atOrBeneath(scope)).returning()).length;
