// Profiles an administrator made by hand in an unsealed pack: added to the pack's export, and recognised
// again when that export is imported (kept as made by hand, never turned into elements of the pack's text).
import { and, asc, eq, isNotNull } from 'drizzle-orm';
import type { MadeProfile } from '../../../domain/packs/made-profiles-export.js';
import type { PackDocument } from '../../../domain/packs/pack-document.js';
import type { Executor, Tx } from '../../../store/db.js';
import { profiles } from '../../../store/schema.js';
import { appendAudit } from '../audit/audit-repo.js';

export const listMadeProfiles = (db: Executor, packId: string): Promise<MadeProfile[]> =>
  db
    .select({
      id: profiles.id,
      displayName: profiles.displayName,
      description: profiles.description,
      contextClassId: profiles.contextClassId,
    })
    .from(profiles)
    .where(and(eq(profiles.packId, packId), isNotNull(profiles.createdBy)))
    .orderBy(asc(profiles.id));

export interface MadeProfileSplit {
  /** The document without the profiles that are (or become) made by hand. */
  document: PackDocument;
  /** Profiles of the document to make by hand once the import is accepted. */
  toMake: PackDocument['profiles'];
}

/**
 * Splits a document being imported over an unsealed pack: profiles the pack already has as made by hand
 * stay so, and, for a built-in unsealed pack, every profile its own text does not declare becomes one.
 */
export function splitMadeProfiles(
  document: PackDocument,
  made: Set<string>,
  declared: Set<string> | undefined,
): MadeProfileSplit {
  const keep: PackDocument['profiles'] = [];
  const toMake: PackDocument['profiles'] = [];
  for (const p of document.profiles) {
    if (made.has(p.id)) continue;
    if (declared && !declared.has(p.id)) toMake.push(p);
    else keep.push(p);
  }
  return { document: { ...document, profiles: keep }, toMake };
}

export async function makeProfiles(tx: Tx, actor: string, packId: string, list: PackDocument['profiles']) {
  for (const p of list) {
    const displayName = p.displayName ?? p.id;
    await tx.insert(profiles).values({
      id: p.id,
      packId,
      displayName,
      description: p.description ?? '',
      contextClassId: p.contextClass,
      createdBy: actor,
    });
    await appendAudit(tx, {
      actor,
      kind: 'profile.create',
      target: p.id,
      details: { packId, displayName, contextClassId: p.contextClass, fromImport: true },
    });
  }
}
