// What the inventory services share: the class tree loaded from the database, errors, and subtree deletion.
import {
  type ClassTree,
  COMPUTER_CLASS,
  createClassTree,
  POOL_CLASS,
} from '../../../domain/inventory/class-tree.js';
import type { Executor, Tx } from '../../../store/db.js';
import { AppError } from '../../errors.js';
import { associationsScopedTo } from '../accounts/accounts-repo.js';
import { appendAudit } from '../audit/audit-repo.js';
import { type ClassRow, listClasses } from './classes-repo.js';
import * as objectsRepo from './objects-repo.js';

export const classNode = (c: ClassRow) => ({
  id: c.id,
  baseClassId: c.baseClassId,
  abstract: c.abstract,
  keyProperties: c.keyProperties,
  properties: c.properties,
});

export const loadClassTree = async (db: Executor): Promise<ClassTree> =>
  createClassTree((await listClasses(db)).map(classNode));

/** Computers and pools end every hosting chain. */
export const isTopHostClass = (tree: ClassTree, classId: string) =>
  tree.isA(classId, COMPUTER_CLASS) || tree.isA(classId, POOL_CLASS);

export const topHostKind = (tree: ClassTree, classId: string): 'computer' | 'pool' =>
  tree.isA(classId, POOL_CLASS) ? 'pool' : 'computer';

/** A unique index refused the row (PostgreSQL 23505), possibly wrapped by the driver. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.code === '23505') return true;
    e = e.cause as typeof e;
  }
  return false;
}

export const exists = (path: string, message: string) =>
  new AppError('ALREADY_EXISTS', message, [{ path, message }]);

const list = (ids: readonly string[], max = 5) =>
  ids.length > max ? `${ids.slice(0, max).join(', ')} and ${ids.length - max} more` : ids.join(', ');

export { list as listForMessage };

/**
 * Deletes an object and, with `cascade`, everything hosted below it, in the caller's transaction,
 * with one audit record. Without `cascade`, an object that hosts others is refused (422); so is one that an
 * association is scoped to, or that hosts such an object (deleting it would hand its workflows to another
 * account).
 */
export async function deleteWithHosted(
  tx: Tx,
  actor: string,
  target: { id: string; kind: 'object' | 'computer' | 'pool'; what: string; name: string },
  cascade: boolean,
  /**
   * A discovery that no longer finds an object removes it even when an association is scoped to it: the
   * object is gone, and the association is then reported as a dangling-association finding.
   */
  opts: { byDiscovery?: boolean } = {},
): Promise<string[]> {
  const below = (await objectsRepo.hostedSubtreeRows(tx, target.id)).map((r) => r.id);
  if (below.length && !cascade) {
    throw new AppError(
      'IN_USE',
      `${target.what} '${target.id}' hosts ${below.length} object(s) (${list(below)}); ` +
        'delete them first, or delete with ?cascade=true to remove them too.',
    );
  }
  const deleted = [target.id, ...below.sort()];
  const scoped = opts.byDiscovery ? [] : await associationsScopedTo(tx, { objectIds: deleted });
  if (scoped.length) {
    throw new AppError(
      'IN_USE',
      `${target.what} '${target.id}' cannot be deleted while Run As associations are scoped to it or to what it hosts: ${list(scoped)}; delete or change them first.`,
    );
  }
  await objectsRepo.deleteObjects(tx, deleted);
  await appendAudit(tx, {
    actor,
    kind: `${target.kind}.delete`,
    target: target.id,
    details: { name: target.name, cascade, deleted },
  });
  return deleted;
}
