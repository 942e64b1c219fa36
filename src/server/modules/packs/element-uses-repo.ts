// What uses a pack's elements beyond the pack: objects of its classes, account associations of its profiles, and
// elements, groups, profile uses, association scopes and notification subscriptions elsewhere that name them. What
// refuses removing a pack, or an element an import drops, and what a removal that cascades takes with it.
import { and, asc, eq, inArray, isNull, ne, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import {
  associations,
  classes,
  groupSubgroups,
  groups,
  objects,
  profiles,
  relationships,
  workflows,
} from '../../../store/schema.js';
import { associationsScopedTo } from '../accounts/accounts-repo.js';
import { subscriptionsNaming } from '../notify/notify-config-repo.js';
import { profileUsesNaming } from './profile-uses-repo.js';

/** Objects per class, for the classes given that have any. */
export async function countObjectsByClass(db: Executor, classIds: string[]) {
  if (!classIds.length) return [];
  return (
    await db
      .select({ classId: objects.classId, n: sql<number>`count(*)` })
      .from(objects)
      .where(inArray(objects.classId, classIds))
      .groupBy(objects.classId)
      .orderBy(asc(objects.classId))
  ).map((r) => ({ classId: r.classId, count: Number(r.n) }));
}

/** Removes every account association of the given profiles; returns what was removed. */
export async function deleteAssociationsOfProfiles(db: Executor, profileIds: string[]) {
  if (profileIds.length === 0) return [];
  return db
    .delete(associations)
    .where(inArray(associations.profileId, profileIds))
    .returning({ id: associations.id, profileId: associations.profileId, accountId: associations.accountId });
}

/** Account associations per profile, for the profiles given that have any (they block removing the profile). */
export async function countAssociationsByProfile(db: Executor, profileIds: string[]) {
  if (!profileIds.length) return [];
  return (
    await db
      .select({ profileId: associations.profileId, n: sql<number>`count(*)` })
      .from(associations)
      .where(inArray(associations.profileId, profileIds))
      .groupBy(associations.profileId)
      .orderBy(asc(associations.profileId))
  ).map((r) => ({ profileId: r.profileId, count: Number(r.n) }));
}

/** Where elements outside `packId` use the given classes, profiles or groups, as readable sentences. */
export async function findOutsideUses(
  db: Executor,
  packId: string,
  ids: { classes: string[]; profiles: string[]; groups: string[] },
): Promise<string[]> {
  const uses: string[] = [];
  const outside = <T extends { packId: unknown }>(t: T) =>
    or(isNull(t.packId as never), ne(t.packId as never, packId)) as SQL;
  if (ids.classes.length) {
    const cs = ids.classes;
    for (const c of await db
      .select({ id: classes.id, packId: classes.packId, base: classes.baseClassId })
      .from(classes)
      .where(and(inArray(classes.baseClassId, cs), outside(classes)))) {
      uses.push(`class '${c.id}' (pack '${c.packId}') derives from '${c.base}'`);
    }
    for (const r of await db
      .select()
      .from(relationships)
      .where(
        and(
          or(inArray(relationships.sourceClassId, cs), inArray(relationships.targetClassId, cs)),
          outside(relationships),
        ),
      )) {
      uses.push(
        `relationship '${r.id}' (pack '${r.packId}') joins '${r.sourceClassId}' and '${r.targetClassId}'`,
      );
    }
    for (const p of await db
      .select()
      .from(profiles)
      .where(and(inArray(profiles.contextClassId, cs), outside(profiles)))) {
      uses.push(`profile '${p.id}' (pack '${p.packId}') has context class '${p.contextClassId}'`);
    }
    for (const w of await db
      .select()
      .from(workflows)
      .where(and(inArray(workflows.targetClassId, cs), outside(workflows)))) {
      uses.push(`workflow '${w.id}' (pack '${w.packId}') targets '${w.targetClassId}'`);
    }
    const wanted = new Set(cs);
    for (const g of await db.select().from(groups).where(outside(groups))) {
      for (const classId of classIdsIn(g.rules)) {
        if (wanted.has(classId)) {
          uses.push(
            `group '${g.id}'${g.packId ? ` (pack '${g.packId}')` : ''} has a rule on class '${classId}'`,
          );
        }
      }
    }
  }
  if (ids.profiles.length) {
    for (const w of await db
      .select()
      .from(workflows)
      .where(and(inArray(workflows.profileId, ids.profiles), outside(workflows)))) {
      uses.push(`workflow '${w.id}' (pack '${w.packId}') runs as profile '${w.profileId}'`);
    }
  }
  if (ids.groups.length) {
    for (const s of await db
      .select({
        groupId: groupSubgroups.groupId,
        member: groupSubgroups.memberGroupId,
        packId: groups.packId,
      })
      .from(groupSubgroups)
      .innerJoin(groups, eq(groups.id, groupSubgroups.groupId))
      .where(and(inArray(groupSubgroups.memberGroupId, ids.groups), outside(groups)))) {
      uses.push(
        `group '${s.groupId}'${s.packId ? ` (pack '${s.packId}')` : ''} contains group '${s.member}'`,
      );
    }
  }
  uses.push(...(await profileUsesNaming(db, packId, ids)));
  uses.push(
    ...(await associationsScopedTo(db, { classIds: ids.classes, groupIds: ids.groups }, ids.profiles)),
  );
  for (const s of await subscriptionsNaming(db, { classIds: ids.classes, groupIds: ids.groups }))
    uses.push(`notification subscription '${s.name}' (${s.id}) has criteria on ${s.names}`);
  return uses;
}

/** Class ids named anywhere in a group's rules (`classId` fields at any depth). */
function classIdsIn(rules: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'classId' && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  walk(rules);
  return out;
}
