// Creating objects. A new object is checked first against what memory holds (the class tree and the hosts above
// it, kept current by the change feed); the objects asked for in one turn of the event loop are then written
// together: one transaction of three statements — the class generation and the hosts, to check that what was
// checked still stands; the insert with the audit chain's lock; the audit records. A name already taken or a
// host deleted meanwhile fails only the request that asked for it. On PostgreSQL the next batch is checked and
// inserted while one commits.
import { newId } from '../../../contract/ids.js';
import type { ClassTree } from '../../../domain/inventory/class-tree.js';
import { nameFromKeys } from '../../../domain/inventory/properties.js';
import { createBatcher } from '../../../store/batcher.js';
import type { Db, Tx } from '../../../store/db.js';
import { AppError, invalid } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { type AuditEntry, appendAuditBatch, writeThenLockChain } from '../audit/audit-repo.js';
import type { ClassTreeCache } from './class-tree-cache.js';
import { exists, loadClassTree } from './inventory-shared.js';
import type { ObjectCache } from './object-cache.js';
import { chainOf, checkClass, checkOrThrow, type Properties, treeInTransaction } from './object-checks.js';
import * as repo from './objects-repo.js';

export interface CreateObjectInput {
  classId: string;
  hostId: string;
  name?: string;
  displayName?: string;
  properties: Properties;
}

type NewObject = repo.NewObject & { properties: Properties };
interface Pending {
  actor: string;
  row: NewObject;
}
type Outcome = { row: repo.ObjectRow } | { error: unknown };

const duplicate = (row: NewObject) =>
  exists('body.name', `'${row.hostId}' already hosts a ${row.classId} named '${row.name}'.`);

export function createObjectCreation({
  db,
  classTree,
  objectCache,
  writers = 1,
}: {
  db: Db;
  classTree?: ClassTreeCache;
  objectCache?: ObjectCache;
  /** Batches written at once (see `InventoryServiceDeps.objectWriters`). */
  writers?: number;
}) {
  const readTree = () => (classTree ? classTree.get() : loadClassTree(db));
  const readChain = objectCache ? (id: string) => objectCache.selfAndHosts(id) : undefined;
  const writeTree = treeInTransaction(classTree);

  /** The checks again as the transaction sees the database, then one insert and one append for the rest. */
  async function writeTogether(tx: Tx, batch: Pending[]): Promise<Outcome[]> {
    const hostIds = [...new Set(batch.map((p) => p.row.hostId))];
    const { existing: hosts, generation } = await repo.existingAndClassGeneration(tx, hostIds);
    const tree = await writeTree(tx, generation);
    const refused = batch.map((p): Outcome | undefined => {
      try {
        checkClass(tree, p.row.classId, 'object');
        checkOrThrow(tree, p.row.classId, p.row.properties, 'body.properties');
        if (!hosts.has(p.row.hostId)) throw invalid('body.hostId', 'names no known object');
        return undefined;
      } catch (error) {
        return { error };
      }
    });
    const toInsert = batch.filter((_, i) => !refused[i]).map((p) => p.row);
    // The insert and the audit chain's lock in one round trip, then the records.
    const { rows, end } = toInsert.length
      ? await writeThenLockChain<repo.Inserted>(tx, repo.insertUnlessTaken(toInsert))
      : { rows: [], end: undefined };
    const inserted = new Map(rows.map((r) => [r.id, r]));
    const entries: AuditEntry[] = [];
    const outcomes = batch.map((p, i): Outcome => {
      if (refused[i]) return refused[i];
      const got = inserted.get(p.row.id);
      if (!got) return { error: duplicate(p.row) };
      const { row: asked } = p;
      entries.push({
        actor: p.actor,
        kind: 'object.create',
        target: asked.id,
        details: { classId: asked.classId, name: asked.name, hostId: asked.hostId },
      });
      const row = {
        ...asked,
        discoveryId: null,
        discoverySourceId: null,
        createdAt: new Date(got.createdAt),
        updatedAt: new Date(got.updatedAt),
      };
      return { row };
    });
    await appendAuditBatch(tx, entries, undefined, end);
    return outcomes;
  }

  const inserts = createBatcher(
    (batch: Pending[]) => db.transaction((tx) => writeTogether(tx, batch)),
    // What the checks did not foresee fails the whole transaction: each request is then written alone. With
    // several writers a batch is checked and inserted while the one before it commits: the audit chain's lock,
    // taken last and held to the commit, keeps the records in commit order.
    { retryAlone: true, concurrency: writers },
  );

  /** The new object's row, checked against `tree`; throws what is wrong with it. */
  async function rowFor(tree: ClassTree, input: CreateObjectInput): Promise<NewObject> {
    checkClass(tree, input.classId, 'object');
    const { chain } = await chainOf(db, tree, input.hostId, readChain);
    if (chain.kind === 'missing-host' && chain.hostId === input.hostId) {
      throw invalid('body.hostId', 'names no known object');
    }
    if (chain.kind !== 'ok') {
      throw new AppError(
        'RULE_VIOLATION',
        `The hosting chain of '${input.hostId}' is broken (${chain.kind}).`,
        [{ path: 'body.hostId', message: 'does not end at a computer or pool' }],
      );
    }
    checkOrThrow(tree, input.classId, input.properties, 'body.properties');
    const keys = tree.allKeyProperties(input.classId);
    const name = input.name ?? (keys.length ? nameFromKeys(input.properties, keys) : '');
    if (!name) throw invalid('body.name', `must be given: class ${input.classId} has no key properties`);
    return {
      id: newId('object'),
      classId: input.classId,
      name,
      displayName: input.displayName ?? name,
      properties: input.properties,
      hostId: input.hostId,
    };
  }

  return async function create(p: Principal, input: CreateObjectInput): Promise<repo.ObjectRow> {
    const known = await readTree();
    let row: NewObject;
    try {
      row = await rowFor(known, input);
    } catch (err) {
      // The tree in memory may not hold yet a class changed on another server: ask the database before refusing.
      const current = await writeTree(db);
      if (current === known) throw err;
      row = await rowFor(current, input);
    }
    const outcome = await inserts.add({ actor: actorOf(p), row });
    if ('error' in outcome) throw outcome.error;
    return outcome.row;
  };
}
