// A workflow built from a module type of a referenced pack that runs as a profile uses that profile: looked up,
// at import, in the referenced pack's stored profile uses of that module type (its own transitive ones included);
// and looked up again whenever the referenced pack is imported, upgraded or deleted.
import { and, inArray, isNull } from 'drizzle-orm';
import { canonicalJson } from '../../../domain/canonical-json.js';
import type { PackDocument } from '../../../domain/packs/pack-document.js';
import { type ParsedPack, parsePackSource } from '../../../domain/packs/pack-source.js';
import type { PackWorld } from '../../../domain/packs/pack-validation.js';
import {
  type ExternalModule,
  type ProfileUse,
  sortProfileUses,
  usesThroughExternalModules,
} from '../../../domain/packs/profile-uses.js';
import type { Executor, Tx } from '../../../store/db.js';
import { profileUses } from '../../../store/schema.js';
import { appendAudit } from '../audit/audit-repo.js';
import { listPacks, loadWorld } from './packs-repo.js';
import { listPackProfileUses, replaceProfileUses, toProfileUse } from './profile-uses-repo.js';

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

const useKey = (u: Pick<ProfileUse, 'elementId' | 'path' | 'profileId'>) =>
  `${u.elementId}\u0000${u.path}\u0000${u.profileId}`;

/**
 * After pack `packId` is imported, upgraded or deleted, in the caller's transaction: each SCOM pack built from its
 * module types gets its uses through them looked up again (a module type that now runs as a profile gives a use,
 * one that no longer does, or is gone, takes it away), each change audited (`pack.profile-uses`); then the same for
 * the packs built from the module types of a pack whose uses changed. Returns the ids of the packs changed.
 */
export async function refreshUsesThroughPack(tx: Tx, actor: string, packId: string): Promise<string[]> {
  const rows = (await listPacks(tx)).filter((r) => r.format === 'scom-xml');
  const parsed = new Map<string, ParsedPack | null>();
  const parse = (row: (typeof rows)[number]) => {
    if (!parsed.has(row.id)) {
      const p = parsePackSource(row.source, 'scom-xml');
      parsed.set(row.id, p.ok ? p.pack : null);
    }
    return parsed.get(row.id)!;
  };
  const world = await loadWorld(tx);
  const changed: string[] = [];
  const queue = [packId];
  for (let i = 0; i < queue.length; i++) {
    const source = queue[i]!;
    for (const row of rows) {
      if (row.id === source) continue;
      const pack = parse(row);
      const through = (pack?.externalModules ?? []).filter((e) => e.packId === source);
      if (!pack || !through.length) continue;
      const fresh = await usesThroughReferencedModules(tx, through, pack.document, world);
      const stored = sortProfileUses(await listPackProfileUses(tx, row.id));
      const from = new Set(through.map((e) => `${e.elementId}\u0000${e.path}`));
      const kept = stored.filter((u) => u.via === null || !from.has(`${u.elementId}\u0000${u.path}`));
      const next = sortProfileUses([...kept, ...fresh]);
      if (canonicalJson(next) === canonicalJson(stored)) continue;
      await replaceProfileUses(tx, row.id, next);
      const before = new Set(stored.map(useKey));
      const after = new Set(next.map(useKey));
      await appendAudit(tx, {
        actor,
        kind: 'pack.profile-uses',
        target: row.id,
        details: {
          referencedPack: source,
          added: next.filter((u) => !before.has(useKey(u))).length,
          removed: stored.filter((u) => !after.has(useKey(u))).length,
          profileUses: next.length,
        },
      });
      changed.push(row.id);
      if (!queue.includes(row.id)) queue.push(row.id);
    }
  }
  return changed;
}
