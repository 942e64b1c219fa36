// Inventory › Objects: every object (of a class, when one is chosen), searched by name on the server, each opening its
// properties and hosting chain.
import { Anchor, Group, Select, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'wouter';
import { Page } from '../../components/page.js';
import { Empty, QueryView } from '../../components/states.js';
import { useClasses, useDebouncedSearch, useObjects } from './data.js';

export default function ObjectsPage() {
  const classes = useClasses();
  const [classId, setClassId] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const { search } = useDebouncedSearch(filter);
  const objects = useObjects(classId, search);
  const className = (id: string) => classes.data?.find((c) => c.id === id)?.displayName ?? id;
  return (
    <Page title="Objects" description="Everything monitored: computers, pools and what they host.">
      <Group align="flex-end">
        <TextInput
          label="Find an object"
          placeholder="Part of a name"
          value={filter}
          onChange={(e) => setFilter(e.currentTarget.value)}
          w={280}
        />
        <Select
          label="Of class"
          placeholder={classes.isPending ? 'Loading…' : 'Any class'}
          searchable
          clearable
          limit={50}
          nothingFoundMessage="No class matches"
          data={(classes.data ?? []).map((c) => ({ value: c.id, label: `${c.displayName} (${c.id})` }))}
          value={classId}
          onChange={setClassId}
          w={360}
        />
      </Group>
      <QueryView
        query={objects}
        isEmpty={(list) => list.items.length === 0}
        empty={
          <Empty title="No objects">
            {classId
              ? 'No object is of this class.'
              : 'Agents and discovery register computers and what they host.'}
          </Empty>
        }
      >
        {(list) => {
          const shown = list.items;
          if (shown.length === 0) return <Empty title="No object matches" />;
          return (
            <>
              <Table.ScrollContainer minWidth={640}>
                <Table striped highlightOnHover aria-label="Objects">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Name</Table.Th>
                      <Table.Th>Class</Table.Th>
                      <Table.Th>Hosted by</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {shown.slice(0, 500).map((o) => (
                      <Table.Tr key={o.id}>
                        <Table.Td>
                          <Anchor component={Link} href={`/inventory/objects/${encodeURIComponent(o.id)}`}>
                            {o.displayName || o.name}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>{className(o.classId)}</Table.Td>
                        <Table.Td>{o.hostId ?? 'Nothing (top host)'}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              {shown.length > 500 || list.nextAfterId ? (
                <Text size="sm" c="dimmed">
                  Showing the first {Math.min(shown.length, 500)}: choose a class or search to narrow down.
                </Text>
              ) : null}
            </>
          );
        }}
      </QueryView>
    </Page>
  );
}
