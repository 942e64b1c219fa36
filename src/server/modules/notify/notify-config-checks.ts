// What the notification configuration services share: who may change a subscriber or a subscription (R34), and
// the errors for a name taken already and for a channel or subscriber a subscription still uses.

import { AppError } from '../../errors.js';
import type { Principal } from '../../principal.js';
import { exists, isUniqueViolation, listForMessage } from '../inventory/inventory-shared.js';
import type { SubscriptionRow } from './notify-config-repo.js';

const duplicate = (what: string, name: string) =>
  exists('body.name', `A ${what} named '${name}' exists already.`);

/**
 * R34: authors and operators manage subscribers and subscriptions within their scope — the ones they made;
 * administrators manage all of them. What was made before owners were kept belongs to administrators.
 */
export function mayChange(
  p: Principal,
  what: string,
  row: { id: string; name: string; createdBy: string | null },
) {
  if (p.role === 'administrator' || (row.createdBy !== null && row.createdBy === p.userId)) return;
  throw new AppError(
    'FORBIDDEN',
    `${what} '${row.name}' (${row.id}) was made by someone else: only they or an administrator may change or delete it (R34).`,
  );
}

export function inUse(what: string, id: string, subs: SubscriptionRow[]) {
  return new AppError(
    'IN_USE',
    `${what} '${id}' is used by subscription(s) ${listForMessage(subs.map((s) => s.name))}: change them first.`,
  );
}

/** Runs `fn`; a unique violation becomes ALREADY_EXISTS naming the `what` called `name` (none: rethrown as is). */
export const uniqueOr = async <T>(what: string, name: string | undefined, fn: () => Promise<T>) => {
  try {
    return await fn();
  } catch (err) {
    if (name && isUniqueViolation(err)) throw duplicate(what, name);
    throw err;
  }
};
