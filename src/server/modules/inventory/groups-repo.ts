// Groups, their explicit members and nested groups in the database.
import { asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import { groupMembers, groupSubgroups, groups } from '../../../store/schema.js';

export type GroupRow = typeof groups.$inferSelect;
export interface GroupWithLinks {
  group: GroupRow;
  members: string[];
  subgroups: string[];
}

async function attachLinks(db: Executor, rows: GroupRow[]): Promise<GroupWithLinks[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  // One after another: inside a transaction they share one connection.
  const members = await db
    .select()
    .from(groupMembers)
    .where(inArray(groupMembers.groupId, ids))
    .orderBy(asc(groupMembers.objectId));
  const subs = await db
    .select()
    .from(groupSubgroups)
    .where(inArray(groupSubgroups.groupId, ids))
    .orderBy(asc(groupSubgroups.memberGroupId));
  const byGroup = new Map(
    rows.map((g) => [g.id, { group: g, members: [] as string[], subgroups: [] as string[] }]),
  );
  for (const m of members) byGroup.get(m.groupId)?.members.push(m.objectId);
  for (const s of subs) byGroup.get(s.groupId)?.subgroups.push(s.memberGroupId);
  return [...byGroup.values()];
}

export const listGroups = async (db: Executor) =>
  attachLinks(db, await db.select().from(groups).orderBy(asc(groups.id)));

export const findGroup = async (db: Executor, id: string) =>
  (await attachLinks(db, await db.select().from(groups).where(eq(groups.id, id))))[0];

export const findGroupIds = async (db: Executor, ids: readonly string[]) =>
  ids.length
    ? (
        await db
          .select({ id: groups.id })
          .from(groups)
          .where(inArray(groups.id, [...ids]))
      ).map((r) => r.id)
    : [];

export const allSubgroupEdges = (db: Executor) => db.select().from(groupSubgroups);

export const parentsOf = async (db: Executor, id: string) =>
  (
    await db
      .select({ id: groupSubgroups.groupId })
      .from(groupSubgroups)
      .where(eq(groupSubgroups.memberGroupId, id))
      .orderBy(asc(groupSubgroups.groupId))
  ).map((r) => r.id);

export const insertGroup = async (db: Executor, row: typeof groups.$inferInsert) =>
  (await db.insert(groups).values(row).returning())[0]!;

export const updateGroup = (db: Executor, id: string, patch: Partial<typeof groups.$inferInsert>) =>
  db
    .update(groups)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(groups.id, id));

export const replaceMembers = async (db: Executor, groupId: string, objectIds: readonly string[]) => {
  await db.delete(groupMembers).where(eq(groupMembers.groupId, groupId));
  if (objectIds.length)
    await db.insert(groupMembers).values(objectIds.map((objectId) => ({ groupId, objectId })));
};

export const replaceSubgroups = async (db: Executor, groupId: string, ids: readonly string[]) => {
  await db.delete(groupSubgroups).where(eq(groupSubgroups.groupId, groupId));
  if (ids.length)
    await db.insert(groupSubgroups).values(ids.map((memberGroupId) => ({ groupId, memberGroupId })));
};

export const deleteGroup = (db: Executor, id: string) => db.delete(groups).where(eq(groups.id, id));
