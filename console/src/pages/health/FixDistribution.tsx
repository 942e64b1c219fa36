// The confirmation before a finding's one-click fix: the computers and pools an account will be distributed
// to (or taken back from), by name, then the change through the API.
import { List, Modal, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { accountSchema } from '../../../../src/contract/accounts.js';
import { api, messageOf } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { Loading } from '../../components/states.js';
import { useTargets } from '../accounts/data.js';

export interface DistributionChange {
  accountId: string;
  accountName: string;
  direction: 'add' | 'remove';
  targets: string[];
}

export function FixDistribution({ change, onClose }: { change: DistributionChange; onClose: () => void }) {
  const qc = useQueryClient();
  const targets = useTargets();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const adding = change.direction === 'add';
  const title = adding ? `Distribute ${change.accountName}` : `Take back ${change.accountName}`;
  const apply = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.patch(
        `/api/v1/accounts/${encodeURIComponent(change.accountId)}/distribution`,
        { [change.direction]: change.targets },
        { schema: accountSchema },
      );
      await Promise.all([
        qc.invalidateQueries({ queryKey: ['findings'] }),
        qc.invalidateQueries({ queryKey: ['accounts'] }),
      ]);
      onClose();
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title={title}>
      <Stack>
        <Text>
          {adding
            ? `${change.accountName} will be distributed to these computers and pools, which host objects it is used for:`
            : `${change.accountName} will no longer be distributed to these computers and pools, which host nothing it is used for:`}
        </Text>
        {targets.isPending ? (
          <Loading />
        ) : (
          <List aria-label={adding ? 'Computers to distribute to' : 'Computers to take back from'}>
            {change.targets.map((id) => {
              const t = targets.data?.find((x) => x.id === id);
              return <List.Item key={id}>{t ? `${t.name} (${t.kind})` : id}</List.Item>;
            })}
          </List>
        )}
        <DialogActions
          error={error}
          busy={busy}
          submitLabel={adding ? 'Distribute' : 'Take back'}
          onSubmit={apply}
          onCancel={onClose}
        />
      </Stack>
    </Modal>
  );
}
