// Management packs: atomic import and upgrade with full reference validation, export, delete, and the profiles and workflows they declare.
import { canonicalJson } from '../../../domain/canonical-json.js';
import {
  countElements,
  diffElements,
  type ElementCounts,
  type ElementDiff,
  normalizePack,
  type PackElements,
  sameContent,
  zeroCounts,
} from '../../../domain/packs/pack-elements.js';
import { exportFormatOf, type PackSourceFormat, parsePackSource } from '../../../domain/packs/pack-source.js';
import {
  findOwnershipConflicts,
  type PackIssue,
  validatePack,
} from '../../../domain/packs/pack-validation.js';
import { compareVersions } from '../../../domain/packs/pack-version.js';
import type { Db } from '../../../store/db.js';
import { AppError, notFound } from '../../errors.js';
import { appendAudit } from '../audit/audit-repo.js';
import * as repo from './packs-repo.js';

export interface PacksServiceDeps {
  db: Db;
  now?: () => Date;
}

export type ImportOutcome = 'imported' | 'upgraded' | 'unchanged';

export interface ImportResult {
  outcome: ImportOutcome;
  previousVersion: string | null;
  changes: Pick<ElementDiff, 'added' | 'updated' | 'removed'>;
  packId: string;
}

export type PacksService = ReturnType<typeof createPacksService>;

const noChanges = () => ({ added: zeroCounts(), updated: zeroCounts(), removed: zeroCounts() });

const list = (items: string[], max = 10) =>
  items.length <= max
    ? items.join('; ')
    : `${items.slice(0, max).join('; ')}; and ${items.length - max} more`;

function validationError(issues: PackIssue[]): AppError {
  const first = issues[0]!;
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return new AppError(
    'VALIDATION_FAILED',
    `The pack is invalid: ${first.path}: ${first.message}${more}.`,
    issues,
  );
}

export function createPacksService({ db, now = () => new Date() }: PacksServiceDeps) {
  async function importPack(
    actor: string,
    content: string,
    format?: PackSourceFormat,
    opts: { builtIn?: boolean } = {},
  ): Promise<ImportResult> {
    const parsed = parsePackSource(content, format);
    if (!parsed.ok) throw validationError(parsed.issues);
    const { document: doc, skipped, locate } = parsed.pack;
    const next = normalizePack(doc);
    const storedFormat = parsed.pack.format === 'scom-xml' ? 'scom-xml' : 'native';

    return db.transaction(async (tx) => {
      await repo.lockPacks(tx);
      const existing = await repo.findPack(tx, doc.id);
      if (existing?.builtIn && !opts.builtIn) {
        throw new AppError(
          'RULE_VIOLATION',
          `Pack '${doc.id}' is built in; it is upgraded with Steward itself, not imported.`,
        );
      }
      let previous:
        | Pick<PackElements, 'classes' | 'relationships' | 'groups' | 'profiles' | 'workflows'>
        | undefined;
      if (existing) {
        const order = compareVersions(doc.version, existing.version);
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
          if (sameContent(stored, next) && canonicalJson(existing.skipped) === canonicalJson(skipped)) {
            return {
              outcome: 'unchanged',
              previousVersion: existing.version,
              changes: noChanges(),
              packId: doc.id,
            };
          }
          throw new AppError(
            'CONFLICT',
            `Pack '${doc.id}' version ${doc.version} is already imported with different content; give the changed pack a higher version.`,
            [{ path: locate('version'), message: 'is already imported with different content' }],
          );
        }
      }

      const world = await repo.loadWorld(tx);
      const issues = validatePack(doc, world, locate);
      if (issues.length) throw validationError(issues);
      const conflicts = findOwnershipConflicts(doc, world, locate);
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
          ...(await repo.countObjectsByClass(tx, diff.removedIds.classes)).map(
            (c) => `class '${c.classId}' still has ${c.count} object(s)`,
          ),
          ...(await repo.countAssociationsByProfile(tx, diff.removedIds.profiles)).map(
            (a) => `profile '${a.profileId}' still has ${a.count} account association(s)`,
          ),
          ...(await repo.findOutsideUses(tx, doc.id, diff.removedIds)),
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
        builtIn: opts.builtIn ?? false,
        format: storedFormat,
        source: content,
        skipped,
        importedBy: actor,
        importedAt: now(),
      });
      await repo.replaceReferences(tx, doc.id, next.references);
      await repo.upsertElements(tx, doc.id, next);
      await repo.deleteElements(tx, doc.id, diff.removedIds);

      const changes = { added: diff.added, updated: diff.updated, removed: diff.removed };
      await appendAudit(tx, {
        actor,
        kind: existing ? 'pack.upgrade' : 'pack.import',
        target: doc.id,
        details: {
          version: doc.version,
          ...(existing ? { previousVersion: existing.version } : {}),
          sealed: doc.sealed,
          format: parsed.pack.format,
          counts: countElements(next),
          ...(existing ? { changes } : {}),
          skipped: skipped.length,
        },
      });
      return {
        outcome: existing ? 'upgraded' : 'imported',
        previousVersion: existing?.version ?? null,
        changes,
        packId: doc.id,
      };
    });
  }

  async function getPack(id: string) {
    const row = await repo.findPack(db, id);
    if (!row) throw notFound('Pack', id);
    return {
      row,
      counts: await repo.countPackElements(db, id),
      references: await repo.listReferences(db, id),
      dependents: await repo.listDependents(db, id),
    };
  }

  return {
    importPack,
    getPack,
    listPacks: () => repo.listPacks(db),

    async exportPack(id: string) {
      const row = await repo.findPack(db, id);
      if (!row) throw notFound('Pack', id);
      return {
        id: row.id,
        version: row.version,
        format: exportFormatOf(row.format as 'native' | 'scom-xml', row.source),
        content: row.source,
      };
    },

    /**
     * Deletes a pack and its elements. Profiles with account associations block it unless `cascade`,
     * which removes those associations, each audited (DESIGN Q4); accounts are never deleted with a pack.
     */
    async deletePack(
      actor: string,
      id: string,
      cascade = false,
    ): Promise<{ id: string; version: string; removed: ElementCounts; associationsRemoved: string[] }> {
      return db.transaction(async (tx) => {
        await repo.lockPacks(tx);
        const row = await repo.findPack(tx, id);
        if (!row) throw notFound('Pack', id);
        if (row.builtIn) {
          throw new AppError('RULE_VIOLATION', `Pack '${id}' is built in and cannot be deleted.`);
        }
        const dependents = await repo.listDependents(tx, id);
        if (dependents.length) {
          throw new AppError(
            'DEPENDENT_PACKS',
            `Pack '${id}' cannot be deleted while other packs reference it: ${dependents.join(', ')}. Delete them first.`,
            dependents.map((d) => ({ path: 'dependents', message: d })),
          );
        }
        const elements = await repo.loadPackElements(tx, id);
        const ids = {
          classes: elements.classes.map((c) => c.id),
          relationships: elements.relationships.map((r) => r.id),
          groups: elements.groups.map((g) => g.id),
          profiles: elements.profiles.map((p) => p.id),
          workflows: elements.workflows.map((w) => w.id),
        };
        const associated = await repo.countAssociationsByProfile(tx, ids.profiles);
        const inUse = [
          ...(await repo.countObjectsByClass(tx, ids.classes)).map(
            (c) => `class '${c.classId}' has ${c.count} object(s)`,
          ),
          ...(cascade ? [] : associated).map(
            (a) =>
              `profile '${a.profileId}' has ${a.count} account association(s) (delete with cascade to remove them)`,
          ),
          ...(await repo.findOutsideUses(tx, id, ids)),
        ];
        if (inUse.length) {
          throw new AppError(
            'IN_USE',
            `Pack '${id}' cannot be deleted while its elements are in use: ${list(inUse)}.`,
          );
        }
        const associationsRemoved: string[] = [];
        if (cascade && associated.length) {
          for (const a of await repo.deleteAssociationsOfProfiles(tx, ids.profiles)) {
            associationsRemoved.push(a.id);
            await appendAudit(tx, {
              actor,
              kind: 'association.delete',
              target: a.id,
              details: { profileId: a.profileId, accountId: a.accountId, cascadeFromPack: id },
            });
          }
        }
        await repo.deleteElements(tx, id, ids);
        await repo.deletePackRow(tx, id);
        const removed = countElements(elements);
        await appendAudit(tx, {
          actor,
          kind: 'pack.delete',
          target: id,
          details: { version: row.version, counts: removed, associationsRemoved },
        });
        return { id, version: row.version, removed, associationsRemoved };
      });
    },

    listProfiles: (packId?: string) => repo.listProfiles(db, packId),
    listWorkflows: (filter: repo.WorkflowFilter) => repo.listWorkflows(db, filter),
  };
}
