// One pack import inside the caller's transaction: missing references, versions, validation, ownership, writes and audit;
// and the completion of SCOM packs that waited for a pack just imported.
import { canonicalJson } from '../../../domain/canonical-json.js';
import { deferMissingReferences, type MissingReference } from '../../../domain/packs/missing-references.js';
import type { PackDocument } from '../../../domain/packs/pack-document.js';
import {
  countElements,
  diffElements,
  type ElementDiff,
  normalizePack,
  type PackElements,
  sameContent,
  zeroCounts,
} from '../../../domain/packs/pack-elements.js';
import { type ParsedPack, parsePackSource } from '../../../domain/packs/pack-source.js';
import {
  findOwnershipConflicts,
  type PackIssue,
  validatePack,
} from '../../../domain/packs/pack-validation.js';
import { compareVersions } from '../../../domain/packs/pack-version.js';
import { sortProfileUses, validateProfileUses } from '../../../domain/packs/profile-uses.js';
import type { SkippedElement } from '../../../domain/packs/scom-xml.js';
import type { Tx } from '../../../store/db.js';
import { AppError } from '../../errors.js';
import { appendAudit } from '../audit/audit-repo.js';
import * as elementUses from './element-uses-repo.js';
import { usesThroughReferencedModules } from './external-module-uses.js';
import { makeProfiles, splitMadeProfiles } from './made-profiles.js';
import * as repo from './packs-repo.js';
import { listPackProfileUses, replaceProfileUses } from './profile-uses-repo.js';

/** `completed`: the same version again, now that a pack it was missing is imported. */
export type ImportOutcome = 'imported' | 'upgraded' | 'unchanged' | 'completed';

export interface ImportResult {
  outcome: ImportOutcome;
  previousVersion: string | null;
  changes: Pick<ElementDiff, 'added' | 'updated' | 'removed'>;
  packId: string;
  /** Packs this one references that are not imported, with the elements waiting for each. */
  missingReferences: MissingReference[];
  /** Packs that were waiting for this one and are now complete. */
  completed: string[];
}

const noChanges = () => ({ added: zeroCounts(), updated: zeroCounts(), removed: zeroCounts() });

const list = (items: string[], max = 10) =>
  items.length <= max
    ? items.join('; ')
    : `${items.slice(0, max).join('; ')}; and ${items.length - max} more`;

export function validationError(issues: PackIssue[]): AppError {
  const first = issues[0]!;
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return new AppError(
    'VALIDATION_FAILED',
    `The pack is invalid: ${first.path}: ${first.message}${more}.`,
    issues,
  );
}

/** The packs a stored pack still waits for (elements it left out or widened at import). */
export const waitingFor = (skipped: unknown): string[] => [
  ...new Set(((skipped ?? []) as SkippedElement[]).flatMap((s) => (s.missingPack ? [s.missingPack] : []))),
];

export interface ImportInput {
  actor: string;
  content: string;
  pack: ParsedPack;
  now: Date;
  builtIn?: boolean;
}

/** Imports a parsed pack in `tx`, which must hold the packs lock. Throws an AppError, having written nothing, when refused. */
export async function importParsedPack(tx: Tx, input: ImportInput): Promise<ImportResult> {
  const { builtIn = false } = input;
  let { pack } = input;
  const existing = await repo.findPack(tx, pack.document.id);
  const builtInRefusal = () =>
    new AppError(
      'RULE_VIOLATION',
      `Pack '${pack.document.id}' is built in; it is upgraded with Steward itself, not imported${
        existing?.sealed ? '' : ' (the same version with profiles made by hand in it is accepted)'
      }.`,
    );
  // Over a built-in unsealed pack, a user imports only its export: the same text plus profiles made by hand.
  const overBuiltIn = Boolean(existing?.builtIn && !builtIn);
  if (overBuiltIn && existing?.sealed) throw builtInRefusal();
  let toMake: PackDocument['profiles'] = [];
  if (existing && !existing.sealed) {
    const declared = overBuiltIn
      ? new Set((await repo.loadPackElements(tx, existing.id)).profiles.map((p) => p.id))
      : undefined;
    const split = splitMadeProfiles(
      pack.document,
      new Set(await repo.madeProfileIds(tx, existing.id)),
      declared,
    );
    pack = { ...pack, document: split.document };
    toMake = split.toMake;
  }
  const world = await repo.loadWorld(tx);

  // A SCOM pack may name packs Steward does not have: import what stands without them. A native pack
  // names its references itself and must have them all.
  const deferred =
    pack.format === 'scom-xml'
      ? deferMissingReferences(pack.document, pack.uses, world, pack.locate)
      : {
          ok: true as const,
          document: pack.document,
          missing: [],
          skipped: [],
          waitingUses: new Set<number>(),
          locate: pack.locate,
        };
  if (!deferred.ok) {
    const first = deferred.issues[0]!;
    throw new AppError(
      'MISSING_REFERENCE',
      `The pack cannot be imported without pack${deferred.missing.length > 1 ? 's' : ''} ${deferred.missing
        .map((m) => `'${m.packId}'`)
        .join(', ')}: ${first.path}: ${first.message}.`,
      deferred.issues,
    );
  }
  const { document: doc, missing, locate, waitingUses } = deferred;
  const profileUses = sortProfileUses([
    ...pack.profileUses,
    ...(await usesThroughReferencedModules(tx, pack.externalModules ?? [], doc, world)),
  ]);
  const skipped = [...pack.skipped, ...deferred.skipped];
  const next = normalizePack(doc);
  const base = { packId: doc.id, missingReferences: missing, completed: [] as string[] };

  let previous:
    | Pick<PackElements, 'classes' | 'relationships' | 'groups' | 'profiles' | 'workflows'>
    | undefined;
  let completing = false;
  if (existing) {
    const order = compareVersions(doc.version, existing.version);
    if (overBuiltIn && order !== 0) throw builtInRefusal();
    if (order < 0) {
      throw new AppError(
        'PACK_VERSION_OLDER',
        `Pack '${doc.id}' is imported at version ${existing.version}; version ${doc.version} is older and is refused.`,
        [{ path: locate('version'), message: `is older than the imported ${existing.version}` }],
      );
    }
    previous = await repo.loadPackElements(tx, doc.id);
    if (order === 0) {
      const stored: PackElements = {
        header: {
          id: existing.id,
          version: doc.version,
          sealed: existing.sealed,
          displayName: existing.displayName,
          description: existing.description,
        },
        references: (await repo.listReferences(tx, doc.id)).map((r) => ({
          refPackId: r.id,
          alias: r.alias,
          minVersion: r.minVersion,
        })),
        ...previous,
      };
      const storedUses = sortProfileUses(await listPackProfileUses(tx, doc.id));
      if (
        sameContent(stored, next) &&
        canonicalJson(existing.skipped) === canonicalJson(skipped) &&
        canonicalJson(storedUses) === canonicalJson(profileUses)
      ) {
        if (!toMake.length) {
          return { ...base, outcome: 'unchanged', previousVersion: existing.version, changes: noChanges() };
        }
        const taken = toMake.flatMap((p, i) => [
          ...(world.profiles.has(p.id) || world.classes.has(p.id) || world.workflows.has(p.id)
            ? [{ path: locate(`profiles[${i}].id`), message: `an element '${p.id}' already exists` }]
            : []),
          ...(world.classes.has(p.contextClass)
            ? []
            : [{ path: locate(`profiles[${i}].contextClass`), message: `no class '${p.contextClass}'` }]),
        ]);
        if (taken.length) throw validationError(taken);
        await makeProfiles(tx, input.actor, existing.id, toMake);
        const changes = noChanges();
        changes.added.profiles = toMake.length;
        return { ...base, outcome: 'upgraded', previousVersion: existing.version, changes };
      }
      if (overBuiltIn) throw builtInRefusal();
      // The same text again, once a pack it was waiting for is imported, completes it in place.
      completing =
        existing.source === input.content &&
        waitingFor(existing.skipped).some((id) => !missing.some((m) => m.packId === id));
      if (!completing) {
        throw new AppError(
          'CONFLICT',
          `Pack '${doc.id}' version ${doc.version} is already imported with different content; give the changed pack a higher version.`,
          [{ path: locate('version'), message: 'is already imported with different content' }],
        );
      }
    }
  }

  const issues = [
    ...validatePack(doc, world, locate),
    ...validateProfileUses(doc, pack.profileUses, world, locate, waitingUses),
  ];
  if (issues.length) throw validationError(issues);
  const conflicts = findOwnershipConflicts(doc, world, locate, builtIn);
  if (conflicts.length) {
    throw new AppError(
      'ALREADY_EXISTS',
      `${conflicts[0]!.path}: ${conflicts[0]!.message}. Element ids are unique across all packs.`,
      conflicts,
    );
  }

  const diff = diffElements(
    previous ?? { classes: [], relationships: [], groups: [], profiles: [], workflows: [] },
    next,
  );
  if (existing) {
    const dependents = await repo.listDependents(tx, doc.id);
    if (existing.sealed && !doc.sealed && dependents.length) {
      throw new AppError(
        'DEPENDENT_PACKS',
        `Pack '${doc.id}' cannot become unsealed while these packs reference it: ${dependents.join(', ')}.`,
      );
    }
    const inUse = [
      ...(await elementUses.countObjectsByClass(tx, diff.removedIds.classes)).map(
        (c) => `class '${c.classId}' still has ${c.count} object(s)`,
      ),
      ...(await elementUses.countAssociationsByProfile(tx, diff.removedIds.profiles)).map(
        (a) => `profile '${a.profileId}' still has ${a.count} account association(s)`,
      ),
      ...(await elementUses.findOutsideUses(tx, doc.id, diff.removedIds)),
    ];
    if (inUse.length) {
      throw new AppError(
        'IN_USE',
        `Version ${doc.version} of '${doc.id}' removes elements that are still in use: ${list(inUse)}.`,
      );
    }
  }

  await repo.upsertPack(tx, {
    header: next.header,
    builtIn,
    format: pack.format === 'scom-xml' ? 'scom-xml' : 'native',
    source: input.content,
    skipped,
    importedBy: input.actor,
    importedAt: input.now,
  });
  await repo.replaceReferences(tx, doc.id, next.references);
  await repo.upsertElements(tx, doc.id, next);
  await repo.deleteElements(tx, doc.id, diff.removedIds);
  await replaceProfileUses(tx, doc.id, profileUses);

  const changes = { added: diff.added, updated: diff.updated, removed: diff.removed };
  const outcome: ImportOutcome = completing ? 'completed' : existing ? 'upgraded' : 'imported';
  await appendAudit(tx, {
    actor: input.actor,
    kind: completing ? 'pack.complete' : existing ? 'pack.upgrade' : 'pack.import',
    target: doc.id,
    details: {
      version: doc.version,
      ...(existing && !completing ? { previousVersion: existing.version } : {}),
      sealed: doc.sealed,
      format: pack.format,
      counts: countElements(next),
      ...(existing ? { changes } : {}),
      skipped: skipped.length,
      ...(profileUses.length ? { profileUses: profileUses.length } : {}),
      ...(missing.length ? { missingReferences: missing.map((m) => m.packId) } : {}),
    },
  });
  return { ...base, outcome, previousVersion: existing?.version ?? null, changes };
}

/**
 * Re-imports, from their stored text, the SCOM packs that were waiting for `packId`; each in a savepoint,
 * so one that still cannot be completed stays as it was. Returns the ids of the packs completed.
 */
export async function completeWaitingPacks(tx: Tx, actor: string, packId: string, now: Date) {
  const completed: string[] = [];
  for (const row of await repo.listPacks(tx)) {
    if (row.format !== 'scom-xml' || !waitingFor(row.skipped).includes(packId)) continue;
    const parsed = parsePackSource(row.source, 'scom-xml');
    if (!parsed.ok) continue;
    try {
      const r = await tx.transaction((sp) =>
        importParsedPack(sp as Tx, { actor, content: row.source, pack: parsed.pack, now }),
      );
      if (r.outcome === 'completed') completed.push(row.id);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
    }
  }
  return completed;
}
