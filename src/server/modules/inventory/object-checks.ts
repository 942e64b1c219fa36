// The rules a new or changed object is checked against: its class, its properties and the hosting chain above it.
import { type ClassTree, COMPUTER_CLASS } from '../../../domain/inventory/class-tree.js';
import { hostChainOf } from '../../../domain/inventory/hosting.js';
import { checkProperties } from '../../../domain/inventory/properties.js';
import type { Executor } from '../../../store/db.js';
import { AppError, invalid } from '../../errors.js';
import type { ClassTreeCache } from './class-tree-cache.js';
import { isTopHostClass, loadClassTree } from './inventory-shared.js';
import * as repo from './objects-repo.js';

export type Properties = Record<string, string | number | boolean>;

/** Property problems as one 400 whose issues name each property under `prefix`. */
export function checkOrThrow(tree: ClassTree, classId: string, values: Properties, prefix: string) {
  const issues = checkProperties(
    values,
    tree.allProperties(classId),
    tree.allKeyProperties(classId),
    classId,
  );
  if (issues.length) {
    const list = issues.map((i) => ({ path: `${prefix}.${i.property}`, message: i.message }));
    throw new AppError('VALIDATION_FAILED', `${list[0]!.path}: ${list[0]!.message}`, list);
  }
}

/** The class of a new object or computer: known, concrete, and (for a computer) derived from Computer. */
export function checkClass(tree: ClassTree, classId: string, kind: 'object' | 'computer') {
  const node = tree.get(classId);
  if (!node) throw invalid('body.classId', 'names no known class');
  if (node.abstract) throw invalid('body.classId', `${classId} is abstract; choose a class derived from it`);
  if (kind === 'computer' && !tree.isA(classId, COMPUTER_CLASS)) {
    throw invalid('body.classId', `must be ${COMPUTER_CLASS} or a class derived from it`);
  }
  if (kind === 'object' && isTopHostClass(tree, classId)) {
    throw invalid('body.classId', 'computers and pools are made through /api/v1/computers and /api/v1/pools');
  }
}

/** The chain above an object, read in one query (or from memory) and checked by the domain rule. */
export async function chainOf(
  db: Executor,
  tree: ClassTree,
  id: string,
  read: (id: string) => Promise<repo.ObjectRow[]> = (x) => repo.selfAndHosts(db, x),
) {
  const rows = await read(id);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const chain = hostChainOf(
    id,
    (x) => byId.get(x),
    (x) => isTopHostClass(tree, byId.get(x)!.classId),
  );
  return { chain, byId };
}

/**
 * The class tree a write's transaction sees: from memory when classes have not changed since, else read. `at`
 * is the class generation when the transaction has read it already.
 */
export const treeInTransaction = (cache: ClassTreeCache | undefined) => (tx: Executor, at?: string) =>
  cache ? cache.inTransaction(tx, at) : loadClassTree(tx);
