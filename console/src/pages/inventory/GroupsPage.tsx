// Inventory › Groups: every group with its explicit members, rules and nested groups.
import { Anchor, Table, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'wouter';
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
        {(items) => {
          const shown = items.filter((g) =>
            `${g.id} ${g.displayName}`.toLowerCase().includes(filter.toLowerCase()),
          );
          if (shown.length === 0) return <Empty title="No group matches" />;
          return (
            <Table.ScrollContainer minWidth={640}>
              <Table striped highlightOnHover aria-label="Groups">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Explicit members</Table.Th>
                    <Table.Th>Rules</Table.Th>
                    <Table.Th>Nested groups</Table.Th>
                    <Table.Th>Management pack</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {shown.map((g) => (
                    <Table.Tr key={g.id}>
                      <Table.Td>
                        <Anchor component={Link} href={`/inventory/groups/${encodeURIComponent(g.id)}`}>
                          {g.displayName || g.id}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{g.members.length}</Table.Td>
                      <Table.Td>{g.rules.length}</Table.Td>
                      <Table.Td>{g.subgroups.length}</Table.Td>
                      <Table.Td>{g.packId ?? 'Made through the API'}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          );
        }}
      </QueryView>
    </Page>
  );
}
