// Management packs: atomic import and upgrade with full reference validation, export, delete, and the profiles and workflows they declare.

import { withMadeProfiles } from '../../../domain/packs/made-profiles-export.js';
import { countElements, type ElementCounts } from '../../../domain/packs/pack-elements.js';
import { exportFormatOf, type PackSourceFormat, parsePackSource } from '../../../domain/packs/pack-source.js';
import type { Db } from '../../../store/db.js';
import { AppError, notFound } from '../../errors.js';
import { appendAudit } from '../audit/audit-repo.js';
import * as elementUses from './element-uses-repo.js';
import { refreshUsesThroughPack } from './external-module-uses.js';
import { listMadeProfiles } from './made-profiles.js';
import {
  completeWaitingPacks,
  type ImportOutcome,
  type ImportResult,
  importParsedPack,
  validationError,
} from './pack-import.js';
import * as repo from './packs-repo.js';
import { listPackProfileUses } from './profile-uses-repo.js';

export type { ImportOutcome, ImportResult };

export interface PacksServiceDeps {
  db: Db;
  now?: () => Date;
}

const list = (items: string[], max = 10) =>
  items.length <= max
    ? items.join('; ')
    : `${items.slice(0, max).join('; ')}; and ${items.length - max} more`;

export type PacksService = ReturnType<typeof createPacksService>;

export function createPacksService({ db, now = () => new Date() }: PacksServiceDeps) {
  async function importPack(
    actor: string,
    content: string,
    format?: PackSourceFormat,
    opts: { builtIn?: boolean } = {},
  ): Promise<ImportResult> {
    const parsed = parsePackSource(content, format);
    if (!parsed.ok) throw validationError(parsed.issues);
    return db.transaction(async (tx) => {
      await repo.lockPacks(tx);
      const result = await importParsedPack(tx, { actor, content, pack: parsed.pack, now: now(), ...opts });
      if (result.outcome === 'imported' || result.outcome === 'upgraded') {
        result.completed = await completeWaitingPacks(tx, actor, result.packId, now());
      }
      if (result.outcome !== 'unchanged') await refreshUsesThroughPack(tx, actor, result.packId);
      return result;
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
      profileUses: await listPackProfileUses(db, id),
    };
  }

  return {
    importPack,
    getPack,
    listPacks: () => repo.listPacks(db),

    async exportPack(id: string) {
      const row = await repo.findPack(db, id);
      if (!row) throw notFound('Pack', id);
      const format = exportFormatOf(row.format as 'native' | 'scom-xml', row.source);
      // Profiles made by hand in an unsealed pack travel with its export.
      const made = row.sealed ? [] : await listMadeProfiles(db, id);
      return {
        id: row.id,
        version: row.version,
        format,
        content: withMadeProfiles(format, row.source, made),
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
          profiles: [...elements.profiles.map((p) => p.id), ...(await repo.madeProfileIds(tx, id))],
          workflows: elements.workflows.map((w) => w.id),
        };
        const associated = await elementUses.countAssociationsByProfile(tx, ids.profiles);
        const inUse = [
          ...(await elementUses.countObjectsByClass(tx, ids.classes)).map(
            (c) => `class '${c.classId}' has ${c.count} object(s)`,
          ),
          ...(cascade ? [] : associated).map(
            (a) =>
              `profile '${a.profileId}' has ${a.count} account association(s) (delete with cascade to remove them)`,
          ),
          ...(await elementUses.findOutsideUses(tx, id, ids)),
        ];
        if (inUse.length) {
          throw new AppError(
            'IN_USE',
            `Pack '${id}' cannot be deleted while its elements are in use: ${list(inUse)}.`,
          );
        }
        const associationsRemoved: string[] = [];
        if (cascade && associated.length) {
          for (const a of await elementUses.deleteAssociationsOfProfiles(tx, ids.profiles)) {
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
        await refreshUsesThroughPack(tx, actor, id);
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
