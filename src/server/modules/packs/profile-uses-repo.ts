// Profile uses in the database: written with their pack, read by profiles, packs and resolution.
import { and, asc, eq, inArray, ne, or } from 'drizzle-orm';
import type { ProfileUse } from '../../../domain/packs/profile-uses.js';
import type { Executor, Tx } from '../../../store/db.js';
import { profileUses } from '../../../store/schema.js';

export type ProfileUseRow = typeof profileUses.$inferSelect;

const order = [asc(profileUses.elementId), asc(profileUses.profileId), asc(profileUses.path)];

export const toProfileUse = (r: ProfileUseRow): ProfileUse => ({
  elementId: r.elementId,
  elementKind: r.elementKind,
  profileId: r.profileId,
  targetClassId: r.targetClassId,
  path: r.path,
  via: r.via,
  how: r.how as ProfileUse['how'],
});

export async function replaceProfileUses(tx: Tx, packId: string, uses: readonly ProfileUse[]) {
  await tx.delete(profileUses).where(eq(profileUses.packId, packId));
  if (uses.length) await tx.insert(profileUses).values(uses.map((u) => ({ packId, ...u })));
}

export const listPackProfileUses = async (db: Executor, packId: string) =>
  (
    await db
      .select()
      .from(profileUses)
      .where(eq(profileUses.packId, packId))
      .orderBy(...order)
  ).map(toProfileUse);

export const listProfileUsesOf = (db: Executor, profileId: string) =>
  db
    .select()
    .from(profileUses)
    .where(eq(profileUses.profileId, profileId))
    .orderBy(asc(profileUses.packId), ...order);

export const listAllProfileUses = (db: Executor) => db.select().from(profileUses);

/** Uses in other packs of profiles or classes a pack is about to remove, as sentences. */
export async function profileUsesNaming(
  db: Executor,
  packId: string,
  ids: { classes: string[]; profiles: string[] },
): Promise<string[]> {
  const naming = [
    ...(ids.profiles.length ? [inArray(profileUses.profileId, ids.profiles)] : []),
    ...(ids.classes.length ? [inArray(profileUses.targetClassId, ids.classes)] : []),
  ];
  if (!naming.length) return [];
  const rows = await db
    .select()
    .from(profileUses)
    .where(and(ne(profileUses.packId, packId), or(...naming)));
  return rows.map((u) =>
    ids.profiles.includes(u.profileId)
      ? `${u.elementKind} '${u.elementId}' (pack '${u.packId}') runs as profile '${u.profileId}'`
      : `${u.elementKind} '${u.elementId}' (pack '${u.packId}') runs as a profile for class '${u.targetClassId}'`,
  );
}
