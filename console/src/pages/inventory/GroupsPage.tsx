// Inventory › Groups: every group with its explicit members, rules and nested groups.
import { Anchor, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'wouter';
import { ListTable } from '../../components/list-section.js';
import { Page } from '../../components/page.js';
import { Empty, QueryView } from '../../components/states.js';
import { useGroups } from './data.js';

export default function GroupsPage() {
  const groups = useGroups();
  const [filter, setFilter] = useState('');
  return (
    <Page
      title="Groups"
      description="Objects gathered explicitly, by rules on class and properties, or through nested groups."
    >
      <TextInput
        label="Find a group"
        placeholder="Name or id"
        value={filter}
        onChange={(e) => setFilter(e.currentTarget.value)}
        maw={360}
      />
      <QueryView
        query={groups}
        isEmpty={(items) => items.length === 0}
        empty={<Empty title="No groups">Management packs and authors define groups.</Empty>}
      >
        {(items) => (
          <ListTable
            items={items.filter((g) =>
              `${g.id} ${g.displayName}`.toLowerCase().includes(filter.toLowerCase()),
            )}
            empty={<Empty title="No group matches" />}
            label="Groups"
            minWidth={640}
            highlightOnHover
            columns={['Name', 'Explicit members', 'Rules', 'Nested groups', 'Management pack']}
            rowKey={(g) => g.id}
            cells={(g) => [
              <Anchor key="n" component={Link} href={`/inventory/groups/${encodeURIComponent(g.id)}`}>
                {g.displayName || g.id}
              </Anchor>,
              g.members.length,
              g.rules.length,
              g.subgroups.length,
              g.packId ?? 'Made through the API',
            ]}
          />
        )}
      </QueryView>
    </Page>
  );
}
