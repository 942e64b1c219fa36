// Management packs and their elements (classes, relationships, groups, profiles, workflows) in the database.
import { and, asc, eq, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import type { GroupRule } from '../../../domain/packs/pack-document.js';
import type {
  ClassElement,
  ElementCounts,
  ElementKind,
  GroupElement,
  PackElements,
  ProfileElement,
  RelationshipElement,
  WorkflowElement,
} from '../../../domain/packs/pack-elements.js';
import type { PackWorld } from '../../../domain/packs/pack-validation.js';
import type { Executor, Tx } from '../../../store/db.js';
import {
  classes,
  groupSubgroups,
  groups,
  packReferences,
  packs,
  profiles,
  profileUses,
  relationships,
  workflows,
} from '../../../store/schema.js';

export type PackRow = typeof packs.$inferSelect;
export type ProfileRow = typeof profiles.$inferSelect;
export type WorkflowRow = typeof workflows.$inferSelect;

const PACKS_LOCK = 7_420_010;

/** Serialises pack imports and deletes for the rest of the transaction (several servers share one database). */
export const lockPacks = (tx: Tx) => tx.execute(sql`SELECT pg_advisory_xact_lock(${PACKS_LOCK})`);

export const findPack = async (db: Executor, id: string) =>
  (await db.select().from(packs).where(eq(packs.id, id)))[0];

export const listPacks = (db: Executor) => db.select().from(packs).orderBy(asc(packs.id));

export const listReferences = (db: Executor, packId: string) =>
  db
    .select({
      id: packReferences.refPackId,
      alias: packReferences.alias,
      minVersion: packReferences.minVersion,
      version: packs.version,
    })
    .from(packReferences)
    .innerJoin(packs, eq(packs.id, packReferences.refPackId))
    .where(eq(packReferences.packId, packId))
    .orderBy(asc(packReferences.refPackId));

export const listDependents = async (db: Executor, packId: string) =>
  (
    await db
      .select({ id: packReferences.packId })
      .from(packReferences)
      .where(eq(packReferences.refPackId, packId))
      .orderBy(asc(packReferences.packId))
  ).map((r) => r.id);

const countOf = async (
  db: Executor,
  table: typeof classes | typeof relationships | typeof groups | typeof profiles | typeof workflows,
  packId: string,
) =>
  Number(
    (await db.select({ n: sql<number>`count(*)` }).from(table).where(eq(table.packId, packId)))[0]?.n ?? 0,
  );

export async function countPackElements(db: Executor, packId: string): Promise<ElementCounts> {
  return {
    classes: await countOf(db, classes, packId),
    relationships: await countOf(db, relationships, packId),
    groups: await countOf(db, groups, packId),
    profiles: await countOf(db, profiles, packId),
    workflows: await countOf(db, workflows, packId),
  };
}

/** Everything the validator needs about what is imported: ids, owners, class bases and properties. */
export async function loadWorld(db: Executor): Promise<PackWorld> {
  // One query after another: inside a transaction they share one connection anyway.
  const packRows = await db
    .select({ id: packs.id, version: packs.version, sealed: packs.sealed, builtIn: packs.builtIn })
    .from(packs);
  const refRows = await db
    .select({ packId: packReferences.packId, refPackId: packReferences.refPackId })
    .from(packReferences);
  const classRows = await db
    .select({
      id: classes.id,
      packId: classes.packId,
      baseClassId: classes.baseClassId,
      properties: classes.properties,
    })
    .from(classes);
  const relRows = await db.select({ id: relationships.id, packId: relationships.packId }).from(relationships);
  const groupRows = await db.select({ id: groups.id, packId: groups.packId }).from(groups);
  const profileRows = await db.select({ id: profiles.id, packId: profiles.packId }).from(profiles);
  const workflowRows = await db.select({ id: workflows.id, packId: workflows.packId }).from(workflows);
  const refsOf = new Map<string, string[]>();
  for (const r of refRows) refsOf.set(r.packId, [...(refsOf.get(r.packId) ?? []), r.refPackId]);
  const owners = (rows: { id: string; packId: string | null }[]) =>
    new Map(rows.map((r) => [r.id, { packId: r.packId }]));
  return {
    packs: new Map(
      packRows.map((p) => [
        p.id,
        { version: p.version, sealed: p.sealed, references: refsOf.get(p.id) ?? [], builtIn: p.builtIn },
      ]),
    ),
    classes: new Map(
      classRows.map((c) => [
        c.id,
        { packId: c.packId, baseClassId: c.baseClassId, properties: c.properties.map((p) => p.name) },
      ]),
    ),
    relationships: owners(relRows),
    groups: owners(groupRows),
    profiles: owners(profileRows),
    workflows: owners(workflowRows),
  };
}

/** A pack's elements as stored, in the normalized model (for diffs against a new version). */
export async function loadPackElements(
  db: Executor,
  packId: string,
): Promise<Pick<PackElements, ElementKind>> {
  const classRows = await db.select().from(classes).where(eq(classes.packId, packId));
  const relRows = await db.select().from(relationships).where(eq(relationships.packId, packId));
  const groupRows = await db.select().from(groups).where(eq(groups.packId, packId));
  const subRows = groupRows.length
    ? await db
        .select()
        .from(groupSubgroups)
        .where(
          inArray(
            groupSubgroups.groupId,
            groupRows.map((g) => g.id),
          ),
        )
    : [];
  // Profiles made by hand belong to the pack but not to its text: an upgrade neither compares nor removes them.
  const profileRows = await db
    .select()
    .from(profiles)
    .where(and(eq(profiles.packId, packId), isNull(profiles.createdBy)));
  const workflowRows = await db.select().from(workflows).where(eq(workflows.packId, packId));
  return {
    classes: classRows.map(
      (c): ClassElement => ({
        id: c.id,
        baseClassId: c.baseClassId,
        displayName: c.displayName,
        description: c.description,
        abstract: c.abstract,
        hosted: c.hosted,
        keyProperties: c.keyProperties,
        properties: c.properties as ClassElement['properties'],
      }),
    ),
    relationships: relRows.map(
      (r): RelationshipElement => ({
        id: r.id,
        kind: r.kind as RelationshipElement['kind'],
        sourceClassId: r.sourceClassId,
        targetClassId: r.targetClassId,
      }),
    ),
    groups: groupRows.map(
      (g): GroupElement => ({
        id: g.id,
        displayName: g.displayName,
        description: g.description,
        rules: g.rules as GroupRule[],
        subgroups: subRows.filter((s) => s.groupId === g.id).map((s) => s.memberGroupId),
      }),
    ),
    profiles: profileRows.map(
      (p): ProfileElement => ({
        id: p.id,
        displayName: p.displayName,
        description: p.description,
        contextClassId: p.contextClassId,
      }),
    ),
    workflows: workflowRows.map(
      (w): WorkflowElement => ({
        id: w.id,
        kind: w.kind as WorkflowElement['kind'],
        displayName: w.displayName,
        targetClassId: w.targetClassId,
        profileId: w.profileId,
        action: w.action as WorkflowElement['action'],
        schedule: (w.schedule ?? null) as WorkflowElement['schedule'],
        enabled: w.enabled,
      }),
    ),
  };
}

export interface PackRowInput {
  header: PackElements['header'];
  builtIn: boolean;
  format: 'native' | 'scom-xml';
  source: string;
  skipped: unknown[];
  importedBy: string;
  importedAt: Date;
}

export async function upsertPack(tx: Tx, p: PackRowInput) {
  const values = {
    id: p.header.id,
    version: p.header.version,
    sealed: p.header.sealed,
    builtIn: p.builtIn,
    displayName: p.header.displayName,
    description: p.header.description,
    format: p.format,
    source: p.source,
    skipped: p.skipped,
    importedAt: p.importedAt,
    importedBy: p.importedBy,
  };
  const { id: _id, ...set } = values;
  await tx.insert(packs).values(values).onConflictDoUpdate({ target: packs.id, set });
}

export async function replaceReferences(tx: Tx, packId: string, refs: PackElements['references']) {
  await tx.delete(packReferences).where(eq(packReferences.packId, packId));
  if (refs.length) {
    await tx.insert(packReferences).values(refs.map((r) => ({ packId, ...r })));
  }
}

/** Writes every element of a pack version: new ones inserted, existing ones updated in place. */
export async function upsertElements(tx: Tx, packId: string, e: PackElements) {
  const excluded = (column: string) => sql.raw(`excluded.${column}`);
  if (e.classes.length) {
    await tx
      .insert(classes)
      .values(e.classes.map((c) => ({ ...c, packId })))
      .onConflictDoUpdate({
        target: classes.id,
        set: {
          packId: excluded('pack_id'),
          baseClassId: excluded('base_class_id'),
          displayName: excluded('display_name'),
          description: excluded('description'),
          abstract: excluded('abstract'),
          hosted: excluded('hosted'),
          keyProperties: excluded('key_properties'),
          properties: excluded('properties'),
        },
      });
  }
  if (e.relationships.length) {
    await tx
      .insert(relationships)
      .values(e.relationships.map((r) => ({ ...r, packId })))
      .onConflictDoUpdate({
        target: relationships.id,
        set: {
          packId: excluded('pack_id'),
          kind: excluded('kind'),
          sourceClassId: excluded('source_class_id'),
          targetClassId: excluded('target_class_id'),
        },
      });
  }
  if (e.groups.length) {
    await tx
      .insert(groups)
      .values(
        e.groups.map((g) => ({
          id: g.id,
          packId,
          displayName: g.displayName,
          description: g.description,
          rules: g.rules,
        })),
      )
      .onConflictDoUpdate({
        target: groups.id,
        set: {
          displayName: excluded('display_name'),
          description: excluded('description'),
          rules: excluded('rules'),
          updatedAt: sql`now()`,
        },
      });
    await tx.delete(groupSubgroups).where(
      inArray(
        groupSubgroups.groupId,
        e.groups.map((g) => g.id),
      ),
    );
    const nested = e.groups.flatMap((g) => g.subgroups.map((s) => ({ groupId: g.id, memberGroupId: s })));
    if (nested.length) await tx.insert(groupSubgroups).values(nested);
  }
  if (e.profiles.length) {
    await tx
      .insert(profiles)
      .values(e.profiles.map((p) => ({ ...p, packId })))
      .onConflictDoUpdate({
        target: profiles.id,
        set: {
          packId: excluded('pack_id'),
          displayName: excluded('display_name'),
          description: excluded('description'),
          contextClassId: excluded('context_class_id'),
        },
      });
  }
  if (e.workflows.length) {
    await tx
      .insert(workflows)
      .values(e.workflows.map((w) => ({ ...w, packId })))
      .onConflictDoUpdate({
        target: workflows.id,
        set: {
          kind: excluded('kind'),
          displayName: excluded('display_name'),
          targetClassId: excluded('target_class_id'),
          profileId: excluded('profile_id'),
          action: excluded('action'),
          schedule: excluded('schedule'),
          enabled: excluded('enabled'),
        },
      });
  }
}

/** Deletes the named elements of a pack, dependents first (workflows → profiles → groups → relationships → classes). */
export async function deleteElements(tx: Tx, packId: string, ids: Record<ElementKind, string[]>) {
  if (ids.workflows.length) {
    await tx.delete(workflows).where(and(eq(workflows.packId, packId), inArray(workflows.id, ids.workflows)));
  }
  if (ids.profiles.length) {
    await tx.delete(profiles).where(and(eq(profiles.packId, packId), inArray(profiles.id, ids.profiles)));
  }
  if (ids.groups.length) {
    await tx.delete(groupSubgroups).where(inArray(groupSubgroups.memberGroupId, ids.groups));
    await tx.delete(groups).where(and(eq(groups.packId, packId), inArray(groups.id, ids.groups)));
  }
  if (ids.relationships.length) {
    await tx
      .delete(relationships)
      .where(and(eq(relationships.packId, packId), inArray(relationships.id, ids.relationships)));
  }
  if (ids.classes.length) {
    await tx.delete(classes).where(and(eq(classes.packId, packId), inArray(classes.id, ids.classes)));
  }
}

export const deletePackRow = (tx: Tx, id: string) => tx.delete(packs).where(eq(packs.id, id));

/** Profiles an administrator made in the pack (they go with it when it is deleted). */
export const madeProfileIds = async (db: Executor, packId: string) =>
  (
    await db
      .select({ id: profiles.id })
      .from(profiles)
      .where(and(eq(profiles.packId, packId), isNotNull(profiles.createdBy)))
  ).map((r) => r.id);

export async function listProfiles(db: Executor, packId?: string, id?: string) {
  const rows = await db
    .select()
    .from(profiles)
    .where(and(packId ? eq(profiles.packId, packId) : undefined, id ? eq(profiles.id, id) : undefined))
    .orderBy(asc(profiles.id));
  const counts = new Map(
    (
      await db
        .select({ profileId: workflows.profileId, n: sql<number>`count(*)` })
        .from(workflows)
        .where(isNotNull(workflows.profileId))
        .groupBy(workflows.profileId)
    ).map((r) => [r.profileId, Number(r.n)]),
  );
  const useCounts = new Map(
    (
      await db
        .select({
          profileId: profileUses.profileId,
          n: sql<number>`count(distinct ${profileUses.elementId})`,
        })
        .from(profileUses)
        .groupBy(profileUses.profileId)
    ).map((r) => [r.profileId, Number(r.n)]),
  );
  return rows.map((profile) => ({
    profile,
    workflowCount: counts.get(profile.id) ?? 0,
    useCount: useCounts.get(profile.id) ?? 0,
  }));
}

export interface WorkflowFilter {
  packId?: string;
  profileId?: string;
  targetClassId?: string;
  kind?: string;
}

export async function listWorkflows(db: Executor, f: WorkflowFilter) {
  const where: SQL[] = [];
  if (f.packId) where.push(eq(workflows.packId, f.packId));
  if (f.profileId) where.push(eq(workflows.profileId, f.profileId));
  if (f.targetClassId) where.push(eq(workflows.targetClassId, f.targetClassId));
  if (f.kind) where.push(eq(workflows.kind, f.kind));
  return db
    .select()
    .from(workflows)
    .where(and(...where))
    .orderBy(asc(workflows.id));
}
