// The Run As accounts a hybrid worker group can run its jobs as (those with a user name and a password), for the
// roles that may read accounts; the others see the id only.
import { runAsAccountTypes } from '../../../../src/contract/hybrid-workers.js';
import { usePermission } from '../../session.js';
import { useAccounts } from '../accounts/data.js';

export function useRunAsChoices() {
  const read = usePermission('accounts.manage');
  const accounts = useAccounts(read.allowed);
  const usable = (accounts.data ?? []).filter((a) =>
    (runAsAccountTypes as readonly string[]).includes(a.type),
  );
  return {
    options: usable.map((a) => ({ value: a.id, label: `${a.name} (${a.type})` })),
    description: read.allowed
      ? 'Jobs of the group run as it; it must be distributed to the group’s agents.'
      : read.reason,
    nameOf: (id: string | null) =>
      id === null ? 'The agent’s own account' : (accounts.data?.find((a) => a.id === id)?.name ?? id),
  };
}
