// Helpers the automation services share: finding the account a request names, and refusing taken names.
import type { Db, Tx } from '../../../store/db.js';
import { AppError, notFound } from '../../errors.js';
import { isUniqueViolation } from '../inventory/inventory-shared.js';
import * as repo from './automation-repo.js';

export async function mustFindAccount(db: Db | Tx, id: string) {
  const row = await repo.findAccount(db, id);
  if (!row) throw notFound('Automation account', id);
  return row;
}

export const nameTaken = (what: string, name: string, where = '') =>
  new AppError('ALREADY_EXISTS', `${what} named '${name}' already exists${where}.`, [
    { path: 'body.name', message: 'is taken' },
  ]);

/** Runs a write; a unique violation (two requests racing for one name) becomes the same 409 as the check. */
export async function uniquely<T>(write: () => Promise<T>, taken: () => AppError): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err)) throw taken();
    throw err;
  }
}

/** Issues of a domain check, prefixed with where they sit in the request, as one 400. */
export function invalidIssues(
  prefix: string,
  issues: readonly { path: string; message: string }[],
): AppError {
  const named = issues.map((i) => ({
    path: i.path.startsWith('[') || !i.path ? `${prefix}${i.path}` : `${prefix}.${i.path}`,
    message: i.message,
  }));
  return new AppError('VALIDATION_FAILED', named.map((i) => `${i.path}: ${i.message}`).join('; '), named);
}
