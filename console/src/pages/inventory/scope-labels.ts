// Association scopes in words with the names of what they point at: objects read by id, groups and classes
// from their lists, read only when a scope needs them.
import type { z } from 'zod';
import type { scopeSchema } from '../../../../src/contract/accounts.js';
import { scopeLabel } from '../accounts/credential-fields.js';
import { useClasses, useGroups, useObjectNames } from './data.js';

type Scope = z.infer<typeof scopeSchema>;

/** `label` words a scope by names, its ids until they are read; `pending` while a name is being read. */
export function useScopeLabels(scopes: readonly Scope[]) {
  const objects = useObjectNames(scopes.flatMap((s) => (s.kind === 'object' ? [s.objectId] : [])));
  const groups = useGroups(scopes.some((s) => s.kind === 'group'));
  const classes = useClasses(scopes.some((s) => s.kind === 'class'));
  const nameIn = (list: { id: string; displayName: string }[] | undefined) => (id: string) =>
    list?.find((x) => x.id === id)?.displayName || id;
  const names = { object: objects.nameOf, group: nameIn(groups.data), class: nameIn(classes.data) };
  return {
    label: (scope: Scope) => scopeLabel(scope, names),
    pending: objects.pending || groups.isLoading || classes.isLoading,
  };
}
