// Add a Run As account to a profile: the account, and a scope — all targeted objects, or a selected
// class, group or object found with a searchable picker (choosing one selects that option). Classes and groups
// are few and load whole; objects are searched on the server as the user types.
import {
  Button,
  Checkbox,
  Group,
  Modal,
  NativeSelect,
  Radio,
  SegmentedControl,
  Select,
  Stack,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { z } from 'zod';
import type { scopeSchema } from '../../../../src/contract/accounts.js';
import { listOf } from '../../../../src/contract/client.js';
import { classSchema, groupSchema } from '../../../../src/contract/inventory.js';
import { api } from '../../api.js';
import { accountTypeLabels } from '../accounts/credential-fields.js';
import { useAccounts } from '../accounts/data.js';
import { ObjectSelect } from '../inventory/object-select.js';

type Scope = z.infer<typeof scopeSchema>;
type Kind = 'class' | 'group' | 'object';

function useChoices(kind: Kind) {
  return useQuery({
    queryKey: ['scope-choices', kind],
    enabled: kind !== 'object',
    queryFn: async () =>
      kind === 'class'
        ? (await api.get('/api/v1/classes', { schema: listOf(classSchema) })).items.map((c) => ({
            value: c.id,
            label: `${c.displayName} (${c.id})`,
          }))
        : (await api.get('/api/v1/groups', { schema: listOf(groupSchema) })).items.map((g) => ({
            value: g.id,
            label: g.displayName,
          })),
  });
}

export function AddAssociation({
  onAdd,
  onClose,
}: {
  onAdd: (a: { accountId: string; scope: Scope; enforced: boolean }) => void;
  onClose: () => void;
}) {
  const accounts = useAccounts();
  const [accountId, setAccountId] = useState<string | null>(null);
  const [which, setWhich] = useState<'all' | 'selected'>('all');
  const [kind, setKind] = useState<Kind>('class');
  const [target, setTarget] = useState<string | null>(null);
  const [enforced, setEnforced] = useState(false);
  const choices = useChoices(kind);
  const choose = (v: string | null) => {
    setTarget(v);
    if (v) setWhich('selected');
  };
  const scope: Scope | null =
    which === 'all'
      ? { kind: 'all' }
      : !target
        ? null
        : kind === 'class'
          ? { kind, classId: target }
          : kind === 'group'
            ? { kind, groupId: target }
            : { kind, objectId: target };
  return (
    <Modal opened onClose={onClose} title="Add a Run As Account" size="lg">
      <Stack>
        <NativeSelect
          label="Run As account"
          data={[
            { value: '', label: accounts.isPending ? 'Loading…' : 'Choose an account', disabled: true },
            ...(accounts.data ?? []).map((a) => ({
              value: a.id,
              label: `${a.name} — ${accountTypeLabels[a.type]}`,
            })),
          ]}
          value={accountId ?? ''}
          error={accounts.error ? 'The accounts could not be read' : undefined}
          onChange={(e) => setAccountId(e.currentTarget.value || null)}
        />
        <Radio.Group
          label="This Run As account will be used to manage"
          value={which}
          onChange={(v) => setWhich(v as typeof which)}
        >
          <Stack gap="xs" mt="xs">
            <Radio value="all" label="All targeted objects" />
            <Radio value="selected" label="A selected class, group, or object" />
          </Stack>
        </Radio.Group>
        <Stack gap="xs" pl="xl">
          <SegmentedControl
            aria-label="Kind of scope"
            data={[
              { value: 'class', label: 'Class' },
              { value: 'group', label: 'Group' },
              { value: 'object', label: 'Object' },
            ]}
            value={kind}
            onChange={(v) => {
              setKind(v as Kind);
              setTarget(null);
            }}
          />
          {kind === 'object' ? (
            <ObjectSelect label="Search for an object" value={target} onChange={choose} />
          ) : (
            <Select
              label={`Search for a ${kind}`}
              placeholder={choices.isPending ? 'Loading…' : 'Type to search'}
              searchable
              limit={50}
              nothingFoundMessage="Nothing matches"
              data={choices.data ?? []}
              value={target}
              error={choices.error ? `The ${kind} list could not be read` : undefined}
              onChange={choose}
            />
          )}
        </Stack>
        <Checkbox
          label="Enforced: wins over associations that are not enforced"
          checked={enforced}
          onChange={(e) => setEnforced(e.currentTarget.checked)}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            disabled={!accountId || !scope}
            onClick={() => accountId && scope && onAdd({ accountId, scope, enforced })}
          >
            OK
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
