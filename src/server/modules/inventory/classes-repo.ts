// Classes in the database, and what refers to them (objects, subclasses, workflows, profiles, group rules).
import { asc, count, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import { classes, groups, objects, profiles, workflows } from '../../../store/schema.js';
import { associationsScopedTo } from '../accounts/accounts-repo.js';
import { subscriptionsNaming } from '../notify/notify-config-repo.js';

/** The class generation (migration 0032), as text: an expression to read beside something else. */
export const CLASS_GENERATION = sql`(SELECT generation::text FROM steward_class_generation WHERE id = 1)`;

/** The class generation as `db` sees it. */
export async function classGeneration(db: Executor): Promise<string> {
  const { rows } = (await db.execute(sql`SELECT ${CLASS_GENERATION} AS generation`)) as unknown as {
    rows: { generation: string }[];
  };
  return rows[0]!.generation;
}

export type ClassRow = typeof classes.$inferSelect;

export const listClasses = (db: Executor) => db.select().from(classes).orderBy(asc(classes.id));

export const findClass = async (db: Executor, id: string) =>
  (await db.select().from(classes).where(eq(classes.id, id)))[0];

export const insertClass = async (db: Executor, row: typeof classes.$inferInsert) =>
  (await db.insert(classes).values(row).returning())[0]!;

export const updateClass = async (db: Executor, id: string, patch: Partial<typeof classes.$inferInsert>) =>
  (await db.update(classes).set(patch).where(eq(classes.id, id)).returning())[0];

export const deleteClass = (db: Executor, id: string) => db.delete(classes).where(eq(classes.id, id));

export const countObjectsOfClass = async (db: Executor, classId: string) =>
  Number((await db.select({ n: count() }).from(objects).where(eq(objects.classId, classId)))[0]?.n ?? 0);

const FEW = 20;

/** Up to a few ids of each kind of thing that refers to the class, for an error message. */
export async function referencesToClass(db: Executor, classId: string) {
  // One after another: inside a transaction they share one connection.
  const subclasses = await db
    .select({ id: classes.id })
    .from(classes)
    .where(eq(classes.baseClassId, classId))
    .limit(FEW);
  const targetingWorkflows = await db
    .select({ id: workflows.id })
    .from(workflows)
    .where(eq(workflows.targetClassId, classId))
    .limit(FEW);
  const contextProfiles = await db
    .select({ id: profiles.id })
    .from(profiles)
    .where(eq(profiles.contextClassId, classId))
    .limit(FEW);
  const ruleGroups = await db
    .select({ id: groups.id })
    .from(groups)
    .where(sql`${groups.rules} @> ${JSON.stringify([{ classId }])}::jsonb`)
    .limit(FEW);
  const subscriptions = await subscriptionsNaming(db, { classIds: [classId] });
  const scopedAssociations = await associationsScopedTo(db, { classIds: [classId] });
  return {
    associations: scopedAssociations,
    subclasses: subclasses.map((r) => r.id),
    workflows: targetingWorkflows.map((r) => r.id),
    profiles: contextProfiles.map((r) => r.id),
    groups: ruleGroups.map((r) => r.id),
    subscriptions: subscriptions.map((s) => `${s.name} (${s.id})`),
  };
}
