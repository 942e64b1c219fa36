// The Distribution Security step of the Create Run As Account wizard: more or less secure and, for more
// secure, where to distribute right there (pools first: the Notifications Resource Pool runs notifications).
import { Radio, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Empty, QueryView } from '../../components/states.js';
import { type Target, useTargets } from './data.js';
import { TargetList } from './TargetList.js';

export type Security = 'more-secure' | 'less-secure';

const kindOrder: Record<Target['kind'], number> = { 'Resource pool': 0, 'Management server': 1, Computer: 2 };

export function DistributionStep({
  security,
  onSecurity,
  approved,
  onApproved,
}: {
  security: Security;
  onSecurity: (s: Security) => void;
  approved: readonly string[];
  onApproved: (ids: string[]) => void;
}) {
  const targets = useTargets();
  const [search, setSearch] = useState('');
  const toggle = (id: string, on: boolean) =>
    onApproved(on ? [...approved, id] : approved.filter((x) => x !== id));
  return (
    <Stack py="md">
      <Radio.Group label="Distribution security" value={security} onChange={(v) => onSecurity(v as Security)}>
        <Stack gap="sm" mt="xs">
          <Radio
            value="more-secure"
            label="More secure"
            description="Only the computers, management servers and pools you approve receive the credentials."
          />
          <Radio
            value="less-secure"
            label="Less secure"
            description="Every agent and management server receives the credentials."
          />
        </Stack>
      </Radio.Group>
      {security === 'more-secure' ? (
        <Stack gap="xs">
          <Text fw={600}>Distribute to</Text>
          <Text size="sm" c="dimmed">
            {approved.length === 0
              ? 'Choose where the workflows using this account run, or add them later on its Distribution tab.'
              : `${approved.length} chosen.`}
          </Text>
          <TextInput
            label="Search by name"
            placeholder="Part of a name"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
          />
          <QueryView query={targets} empty={null}>
            {(all) => {
              const rows = all
                .filter((t) => t.name.toLowerCase().includes(search.toLowerCase()))
                .sort((a, b) => kindOrder[a.kind] - kindOrder[b.kind] || a.name.localeCompare(b.name));
              return rows.length === 0 ? (
                <Empty title="Nothing found">No computer, server or pool matches.</Empty>
              ) : (
                <TargetList rows={rows} chosen={approved} onToggle={toggle} />
              );
            }}
          </QueryView>
        </Stack>
      ) : null}
    </Stack>
  );
}
