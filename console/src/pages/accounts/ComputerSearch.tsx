// Computer Search: find computers by name, the suggested ones (hosting targeted objects), management
// servers and pools (the Notifications Resource Pool among them), and add them to a distribution list.
import { Button, Group, Modal, SegmentedControl, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Empty, QueryView } from '../../components/states.js';
import { type Target, useSuggestion, useTargets } from './data.js';
import { TargetList } from './TargetList.js';

const shows = ['Suggested', 'Computers', 'Management servers', 'Pools', 'All'] as const;

export function ComputerSearch({
  accountId,
  approved,
  onAdd,
  onClose,
}: {
  accountId: string;
  approved: readonly string[];
  onAdd: (ids: string[]) => void;
  onClose: () => void;
}) {
  const targets = useTargets();
  const suggestion = useSuggestion(accountId);
  const [show, setShow] = useState<(typeof shows)[number]>('All');
  const [search, setSearch] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const suggested = new Set(suggestion.data?.suggested ?? []);
  const visible = (t: Target) =>
    !approved.includes(t.id) &&
    t.name.toLowerCase().includes(search.toLowerCase()) &&
    (show === 'All' ||
      (show === 'Suggested' && suggested.has(t.id)) ||
      (show === 'Computers' && t.kind === 'Computer') ||
      (show === 'Management servers' && t.kind === 'Management server') ||
      (show === 'Pools' && t.kind === 'Resource pool'));
  const toggle = (id: string, on: boolean) => setChosen((c) => (on ? [...c, id] : c.filter((x) => x !== id)));
  return (
    <Modal opened onClose={onClose} title="Computer Search" size="xl">
      <Stack>
        <SegmentedControl
          aria-label="Show"
          data={[...shows]}
          value={show}
          onChange={(v) => setShow(v as typeof show)}
        />
        <TextInput
          label="Search by name"
          placeholder="Part of a name"
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
        />
        <QueryView query={targets} empty={null}>
          {(all) => {
            const rows = all.filter(visible);
            if (rows.length === 0)
              return (
                <Empty title="Nothing found">
                  {show === 'Suggested'
                    ? 'No computer hosting an object this account targets lacks it.'
                    : 'No computer, server or pool matches, or all are approved already.'}
                </Empty>
              );
            return <TargetList rows={rows} chosen={chosen} onToggle={toggle} suggested={suggested} />;
          }}
        </QueryView>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button disabled={chosen.length === 0} onClick={() => onAdd(chosen)}>
            Add {chosen.length > 0 ? chosen.length : ''}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
