// Classes: create, change and delete types of monitored things, keeping the single-inheritance tree sound.
import type { Db } from '../../../store/db.js';
import { AppError, invalid, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import * as repo from './classes-repo.js';
import { exists, isUniqueViolation, listForMessage, loadClassTree } from './inventory-shared.js';

export interface CreateClassInput {
  id: string;
  baseClassId: string;
  displayName?: string;
  description?: string;
  abstract: boolean;
  hosted: boolean;
  keyProperties: string[];
  properties: { name: string; type: string }[];
}

export type ClassesService = ReturnType<typeof createClassesService>;

export function createClassesService({ db }: { db: Db }) {
  const packRefusal = (c: repo.ClassRow) =>
    new AppError(
      'RULE_VIOLATION',
      `Class '${c.id}' belongs to management pack '${c.packId}'; change or remove the pack instead.`,
    );

  return {
    async list(base?: string) {
      const rows = await repo.listClasses(db);
      if (!base) return rows;
      const tree = await loadClassTree(db);
      if (!tree.has(base)) throw notFound('Class', base);
      const wanted = new Set(tree.descendants(base));
      return rows.filter((r) => wanted.has(r.id));
    },

    async get(id: string) {
      const row = await repo.findClass(db, id);
      if (!row) throw notFound('Class', id);
      return row;
    },

    async create(p: Principal, input: CreateClassInput) {
      try {
        return await db.transaction(async (tx) => {
          if (await repo.findClass(tx, input.id)) {
            throw exists('body.id', `A class '${input.id}' already exists.`);
          }
          const tree = await loadClassTree(tx);
          if (!tree.has(input.baseClassId)) throw invalid('body.baseClassId', 'names no known class');
          const inherited = new Map(tree.allProperties(input.baseClassId).map((q) => [q.name, q]));
          const own = new Set<string>();
          for (const [i, prop] of input.properties.entries()) {
            const from = inherited.has(prop.name)
              ? `is already declared by a base class of ${input.id}`
              : own.has(prop.name)
                ? 'is declared twice'
                : undefined;
            if (from) throw invalid(`body.properties[${i}].name`, from);
            own.add(prop.name);
          }
          for (const [i, key] of input.keyProperties.entries()) {
            if (!own.has(key) && !inherited.has(key)) {
              throw invalid(
                `body.keyProperties[${i}]`,
                `names no property of ${input.id} or its base classes`,
              );
            }
          }
          const row = await repo.insertClass(tx, {
            id: input.id,
            packId: null,
            baseClassId: input.baseClassId,
            displayName: input.displayName ?? input.id,
            description: input.description ?? '',
            abstract: input.abstract,
            hosted: input.hosted,
            keyProperties: [...new Set(input.keyProperties)],
            properties: input.properties,
          });
          await appendAudit(tx, {
            actor: actorOf(p),
            kind: 'class.create',
            target: row.id,
            details: { baseClassId: row.baseClassId, abstract: row.abstract, hosted: row.hosted },
          });
          return row;
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw exists('body.id', `A class '${input.id}' already exists.`);
        throw err;
      }
    },

    async update(
      p: Principal,
      id: string,
      patch: { displayName?: string; description?: string; abstract?: boolean },
    ) {
      return db.transaction(async (tx) => {
        const row = await repo.findClass(tx, id);
        if (!row) throw notFound('Class', id);
        if (row.packId) throw packRefusal(row);
        if (patch.abstract && !row.abstract) {
          const n = await repo.countObjectsOfClass(tx, id);
          if (n > 0) {
            throw new AppError(
              'IN_USE',
              `Class '${id}' has ${n} object(s); an abstract class can have none. Delete them first.`,
            );
          }
        }
        const updated = await repo.updateClass(tx, id, patch);
        await appendAudit(tx, { actor: actorOf(p), kind: 'class.update', target: id, details: { ...patch } });
        return updated!;
      });
    },

    async remove(p: Principal, id: string) {
      await db.transaction(async (tx) => {
        const row = await repo.findClass(tx, id);
        if (!row) throw notFound('Class', id);
        if (row.packId) throw packRefusal(row);
        const n = await repo.countObjectsOfClass(tx, id);
        if (n > 0) throw new AppError('IN_USE', `Class '${id}' has ${n} object(s); delete them first.`);
        const refs = await repo.referencesToClass(tx, id);
        const uses = [
          refs.subclasses.length && `derived classes ${listForMessage(refs.subclasses)}`,
          refs.workflows.length && `workflows ${listForMessage(refs.workflows)}`,
          refs.profiles.length && `Run As profiles ${listForMessage(refs.profiles)}`,
          refs.groups.length && `rules of groups ${listForMessage(refs.groups)}`,
          refs.associations.length && `Run As associations: ${listForMessage(refs.associations)}`,
          refs.subscriptions.length &&
            `criteria of notification subscriptions ${listForMessage(refs.subscriptions)}`,
        ].filter(Boolean);
        if (uses.length) {
          throw new AppError('IN_USE', `Class '${id}' is still used by ${uses.join('; ')}.`);
        }
        await repo.deleteClass(tx, id);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'class.delete',
          target: id,
          details: { baseClassId: row.baseClassId },
        });
      });
    },
  };
}
