// A workflow built from a module type of a referenced pack that runs as a profile uses that profile: looked up,
// at import, in the referenced pack's stored profile uses of that module type (its own transitive ones included).
import { and, inArray, isNull } from 'drizzle-orm';
import type { PackDocument } from '../../../domain/packs/pack-document.js';
import type { PackWorld } from '../../../domain/packs/pack-validation.js';
import {
  type ExternalModule,
  type ProfileUse,
  usesThroughExternalModules,
} from '../../../domain/packs/profile-uses.js';
import type { Executor } from '../../../store/db.js';
import { profileUses } from '../../../store/schema.js';
import { toProfileUse } from './profile-uses-repo.js';

export async function usesThroughReferencedModules(
  db: Executor,
  external: readonly ExternalModule[],
  doc: PackDocument,
  world: PackWorld,
): Promise<ProfileUse[]> {
  const wanted = external.filter((e) => e.packId !== doc.id);
  if (!wanted.length) return [];
  const rows = await db
    .select()
    .from(profileUses)
    .where(
      and(
        inArray(profileUses.packId, [...new Set(wanted.map((e) => e.packId))]),
        inArray(profileUses.elementId, [...new Set(wanted.map((e) => e.moduleId))]),
        isNull(profileUses.targetClassId),
      ),
    );
  const byModule = new Map<string, ProfileUse[]>();
  for (const r of rows) {
    const key = `${r.packId}\u0000${r.elementId}`;
    byModule.set(key, [...(byModule.get(key) ?? []), toProfileUse(r)]);
  }
  const classes = new Set(doc.classes.map((c) => c.id));
  // A target class of a pack not imported yet: the use comes when this pack is completed.
  return usesThroughExternalModules(
    wanted,
    (packId, moduleId) => byModule.get(`${packId}\u0000${moduleId}`) ?? [],
  ).filter(
    (u) => u.targetClassId === null || classes.has(u.targetClassId) || world.classes.has(u.targetClassId),
  );
}
