// Objects and computers: create, change, list and delete monitored things, keeping every hosting chain sound.
// (Objects are created in object-creation.ts.)
import { newId } from '../../../contract/ids.js';
import { MANAGEMENT_SERVER_CLASS } from '../../../contract/inventory.js';
import type { Db, Executor } from '../../../store/db.js';
import { AppError, invalid, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { findAccount } from '../accounts/accounts-repo.js';
import { appendAudit } from '../audit/audit-repo.js';
import { findServer } from '../servers/servers-repo.js';
import type { ClassTreeCache } from './class-tree-cache.js';
import {
  deleteWithHosted,
  exists,
  isTopHostClass,
  isUniqueViolation,
  loadClassTree,
  topHostKind,
} from './inventory-shared.js';
import type { ObjectCache } from './object-cache.js';
import { chainOf, checkClass, checkOrThrow, type Properties, treeInTransaction } from './object-checks.js';
import { createObjectCreation } from './object-creation.js';
import * as repo from './objects-repo.js';

export interface ObjectListFilter {
  class?: string;
  host?: string;
  computer?: string;
  search?: string;
  afterId?: string;
  limit: number;
}

export interface CreateComputerInput {
  name: string;
  displayName?: string;
  classId: string;
  properties: Properties;
  defaultActionAccountId: string | null;
}

/** R7: a default action account must exist and be an action or Windows account. */
async function checkActionAccount(tx: Executor, accountId: string | null | undefined) {
  if (!accountId) return;
  const account = await findAccount(tx, accountId);
  if (!account) throw invalid('body.defaultActionAccountId', `no Run As account '${accountId}'`);
  if (account.type !== 'action' && account.type !== 'windows') {
    throw new AppError(
      'RULE_VIOLATION',
      `A default action account must be an action or Windows account; '${account.name}' is ${account.type} (R7).`,
      [
        {
          path: 'body.defaultActionAccountId',
          message: `must be an action or Windows account, not ${account.type}`,
        },
      ],
    );
  }
}

export type ObjectsService = ReturnType<typeof createObjectsService>;

export function createObjectsService({
  db,
  classTree,
  objectCache,
  objectWriters,
}: {
  db: Db;
  classTree?: ClassTreeCache;
  objectCache?: ObjectCache;
  objectWriters?: number;
}) {
  // Reads take the tree and the objects from memory kept current by the change feed; writes read them in
  // their transaction.
  const readTree = () => (classTree ? classTree.get() : loadClassTree(db));
  const readChain = objectCache ? (id: string) => objectCache.selfAndHosts(id) : undefined;
  const writeTree = treeInTransaction(classTree);
  return {
    async list(f: ObjectListFilter) {
      let classIds: string[] | undefined;
      if (f.class) {
        const tree = await readTree();
        if (!tree.has(f.class)) throw notFound('Class', f.class);
        classIds = tree.descendants(f.class);
      }
      if (f.host && !(await repo.findObject(db, f.host))) throw notFound('Object', f.host);
      if (f.computer) {
        const top = await repo.findObject(db, f.computer);
        if (!top) throw notFound('Computer', f.computer);
        if (!isTopHostClass(await readTree(), top.classId)) {
          throw invalid('querystring.computer', 'names an object that is not a computer or pool');
        }
      }
      const items = await repo.listObjects(db, {
        classIds,
        hostId: f.host,
        underId: f.computer,
        search: f.search,
        afterId: f.afterId,
        limit: f.limit,
      });
      return { items, nextAfterId: items.length === f.limit ? items.at(-1)!.id : null };
    },

    async get(id: string) {
      const tree = await readTree();
      const { chain, byId } = await chainOf(db, tree, id, readChain);
      const row = byId.get(id);
      if (!row) throw notFound('Object', id);
      if (chain.kind !== 'ok') {
        throw new AppError('RULE_VIOLATION', `The hosting chain of '${id}' is broken (${chain.kind}).`);
      }
      return {
        row,
        hostChain: chain.chain,
        topHost: chain.top,
        topHostKind: topHostKind(tree, byId.get(chain.top)!.classId),
      };
    },

    create: createObjectCreation({ db, classTree, objectCache, writers: objectWriters }),

    async update(p: Principal, id: string, patch: { displayName?: string; properties?: Properties }) {
      return db.transaction(async (tx) => {
        const row = await repo.findObject(tx, id);
        if (!row) throw notFound('Object', id);
        if (patch.properties) {
          const tree = await writeTree(tx);
          checkOrThrow(tree, row.classId, patch.properties, 'body.properties');
          for (const key of tree.allKeyProperties(row.classId)) {
            if (patch.properties[key] !== row.properties[key]) {
              throw new AppError('RULE_VIOLATION', `properties.${key}: a key property cannot change.`, [
                { path: `body.properties.${key}`, message: 'is a key property and cannot change' },
              ]);
            }
          }
        }
        const updated = await repo.updateObject(tx, id, patch);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'object.update',
          target: id,
          details: { changed: Object.keys(patch).sort() },
        });
        return updated!;
      });
    },

    async remove(p: Principal, id: string, cascade: boolean) {
      return db.transaction(async (tx) => {
        const row = await repo.findObject(tx, id);
        if (!row) throw notFound('Object', id);
        const tree = await writeTree(tx);
        if (isTopHostClass(tree, row.classId)) {
          const where = topHostKind(tree, row.classId) === 'pool' ? 'pools' : 'computers';
          throw new AppError(
            'RULE_VIOLATION',
            `'${id}' is a ${where.slice(0, -1)}; delete it through /api/v1/${where}/${id}.`,
          );
        }
        const server = row.classId === MANAGEMENT_SERVER_CLASS ? await findServer(tx, id) : undefined;
        if (server) {
          throw new AppError(
            'RULE_VIOLATION',
            `'${id}' is management server ${server.name}: its object is the server's, replaced when a server of that name starts again.`,
          );
        }
        return deleteWithHosted(
          tx,
          actorOf(p),
          { id, kind: 'object', what: 'Object', name: row.name },
          cascade,
        );
      });
    },
  };
}

export type ComputersService = ReturnType<typeof createComputersService>;

export function createComputersService({ db, classTree }: { db: Db; classTree?: ClassTreeCache }) {
  const writeTree = treeInTransaction(classTree);
  const taken = (name: string) => exists('body.name', `A computer named '${name}' is already registered.`);
  return {
    async list(f: { afterId?: string; limit: number }) {
      const items = await repo.listComputers(db, f);
      return { items, nextAfterId: items.length === f.limit ? items.at(-1)!.computer.id : null };
    },

    async get(id: string) {
      const row = await repo.findComputer(db, id);
      if (!row) throw notFound('Computer', id);
      return row;
    },

    async create(p: Principal, input: CreateComputerInput) {
      try {
        return await db.transaction(async (tx) => {
          const tree = await writeTree(tx);
          checkClass(tree, input.classId, 'computer');
          checkOrThrow(tree, input.classId, input.properties, 'body.properties');
          if (await repo.findComputerByName(tx, input.name)) throw taken(input.name);
          await checkActionAccount(tx, input.defaultActionAccountId);
          const id = newId('computer');
          const object = await repo.insertObject(tx, {
            id,
            classId: input.classId,
            name: input.name,
            displayName: input.displayName ?? input.name,
            properties: input.properties,
            hostId: null,
          });
          const computer = await repo.insertComputer(tx, {
            id,
            name: input.name,
            defaultActionAccountId: input.defaultActionAccountId,
          });
          await appendAudit(tx, {
            actor: actorOf(p),
            kind: 'computer.create',
            target: id,
            details: {
              name: input.name,
              classId: input.classId,
              defaultActionAccountId: input.defaultActionAccountId,
            },
          });
          return { object, computer };
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw taken(input.name);
        throw err;
      }
    },

    async update(
      p: Principal,
      id: string,
      patch: { displayName?: string; defaultActionAccountId?: string | null },
    ) {
      return db.transaction(async (tx) => {
        if (!(await repo.findComputer(tx, id))) throw notFound('Computer', id);
        if (patch.displayName !== undefined)
          await repo.updateObject(tx, id, { displayName: patch.displayName });
        else await repo.updateObject(tx, id, {});
        if (patch.defaultActionAccountId !== undefined) {
          await checkActionAccount(tx, patch.defaultActionAccountId);
          await repo.updateComputer(tx, id, { defaultActionAccountId: patch.defaultActionAccountId });
        }
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'computer.update',
          target: id,
          details: { ...patch },
        });
        return (await repo.findComputer(tx, id))!;
      });
    },

    async remove(p: Principal, id: string, cascade: boolean) {
      return db.transaction(async (tx) => {
        const row = await repo.findComputer(tx, id);
        if (!row) throw notFound('Computer', id);
        return deleteWithHosted(
          tx,
          actorOf(p),
          { id, kind: 'computer', what: 'Computer', name: row.computer.name },
          cascade,
        );
      });
    },
  };
}
