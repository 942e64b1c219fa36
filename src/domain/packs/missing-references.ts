// What an imported SCOM pack can do without the packs it references but Steward does not have: which
// elements wait for a missing pack, which are left out meanwhile, and when the pack cannot stand at all.
import type { PackDocument } from './pack-document.js';
import { type PackIssue, type PackWorld, ROOT_CLASS_ID } from './pack-validation.js';
import type { ReferenceUse, SkippedElement } from './scom-xml.js';

export interface MissingReference {
  packId: string;
  alias: string;
  minVersion: string;
  /** Each element that names something of the missing pack: where it is and what Steward did with it. */
  neededBy: { path: string; message: string }[];
}

export type DeferOutcome =
  | {
      ok: true;
      document: PackDocument;
      missing: MissingReference[];
      skipped: SkippedElement[];
      /** Indexes of profile uses that name a missing pack: kept, counted once that pack is imported. */
      waitingUses: Set<number>;
      /** `locate` for the returned document, whose relationships may be fewer. */
      locate: (path: string) => string;
    }
  | { ok: false; issues: PackIssue[]; missing: MissingReference[] };

/**
 * Removes from `doc` what names an element of a pack that is not imported, so the rest can be imported:
 * a relationship with an end in a missing pack is left out; a profile whose context class is in one
 * applies to every class (System.Entity, as SCOM does without a context) until that pack is imported.
 * A class whose base class is in a missing pack cannot be imported at all, nor can the pack: that is an
 * issue naming the element and the pack to import first.
 */
export function deferMissingReferences(
  doc: PackDocument,
  uses: readonly ReferenceUse[],
  world: PackWorld,
  locate: (path: string) => string,
): DeferOutcome {
  const absent = new Set(doc.references.filter((r) => !world.packs.has(r.id)).map((r) => r.id));
  if (absent.size === 0)
    return { ok: true, document: doc, missing: [], skipped: [], waitingUses: new Set(), locate };

  const missing = new Map<string, MissingReference>();
  for (const r of doc.references) {
    if (absent.has(r.id)) {
      missing.set(r.id, { packId: r.id, alias: r.alias ?? r.id, minVersion: r.minVersion, neededBy: [] });
    }
  }
  const issues: PackIssue[] = [];
  const skipped: SkippedElement[] = [];
  const droppedRelationships = new Set<number>();
  const widenedProfiles = new Set<number>();
  const waitingUses = new Set<number>();

  for (const use of uses) {
    if (!absent.has(use.packId)) continue;
    const entry = missing.get(use.packId)!;
    const what = `'${use.alias}!${use.id}' is in pack '${use.packId}', which is not imported`;
    const field = /^(classes|relationships|profiles|profileUses)\[(\d+)\]\.(\w+)$/.exec(use.path);
    const kind = field?.[1];
    const index = Number(field?.[2]);
    if (kind === 'classes' && field?.[3] === 'baseClass') {
      const message = `${what}; import '${use.packId}' first: a class cannot be imported without its base class`;
      issues.push({ path: locate(use.path), message });
      entry.neededBy.push({ path: locate(use.path), message });
    } else if (kind === 'relationships') {
      if (field?.[3] === 'kind') continue; // the base only tells the kind; the default kind stands in
      const path = locate(`relationships[${index}]`);
      if (!droppedRelationships.has(index)) {
        droppedRelationships.add(index);
        const message = `${what}; the relationship is left out until '${use.packId}' is imported and this pack imported again`;
        entry.neededBy.push({ path, message });
        skipped.push({ path, kind: 'RelationshipType', reason: message, missingPack: use.packId });
      }
    } else if (kind === 'profileUses') {
      // A workflow's target or profile in a missing pack: the use is kept and counts once that pack is here.
      if (!waitingUses.has(index)) {
        waitingUses.add(index);
        const message = `${what}; this profile use is recorded and counts once '${use.packId}' is imported and this pack imported again`;
        entry.neededBy.push({ path: locate(use.path), message });
        skipped.push({
          path: locate(use.path),
          kind: 'ProfileUse',
          reason: message,
          missingPack: use.packId,
        });
      }
    } else if (kind === 'profiles') {
      widenedProfiles.add(index);
      const message = `${what}; the profile applies to every class (${ROOT_CLASS_ID}) until '${use.packId}' is imported and this pack imported again`;
      entry.neededBy.push({ path: locate(use.path), message });
      skipped.push({ path: locate(use.path), kind: 'Context', reason: message, missingPack: use.packId });
    }
  }
  if (issues.length) return { ok: false, issues, missing: [...missing.values()] };

  // A reference whose only uses were relationship bases is still missing, but nothing waits for it.
  for (const m of missing.values()) {
    if (m.neededBy.length === 0) {
      const message = `only the kind of a relationship comes from '${m.packId}'; nothing else waits for it`;
      m.neededBy.push({
        path: locate(`references[${doc.references.findIndex((r) => r.id === m.packId)}]`),
        message,
      });
    }
  }
  const document: PackDocument = {
    ...doc,
    references: doc.references.filter((r) => !absent.has(r.id)),
    relationships: doc.relationships.filter((_, i) => !droppedRelationships.has(i)),
    profiles: doc.profiles.map((p, i) =>
      widenedProfiles.has(i) ? { ...p, contextClass: ROOT_CLASS_ID } : p,
    ),
  };
  // System.Entity must be visible: keep System.Library referenced when a profile was widened to it.
  if (widenedProfiles.size && !document.references.some((r) => r.id === 'System.Library')) {
    document.references = [
      ...document.references,
      { id: 'System.Library', alias: 'System', minVersion: '1.0' },
    ];
  }
  const kept = doc.relationships.map((_, i) => i).filter((i) => !droppedRelationships.has(i));
  const relocate = (path: string) =>
    locate(
      path.replace(/^relationships\[(\d+)\]/, (_, n: string) => `relationships[${kept[Number(n)] ?? n}]`),
    );
  return { ok: true, document, missing: [...missing.values()], skipped, waitingUses, locate: relocate };
}
