// Inventory › Objects: every object (of a class, when one is chosen), searched by name on the server, each opening its
// properties and hosting chain.
import { Anchor, Group, Select, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'wouter';
import { ListTable } from '../../components/list-section.js';
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
        {(list) => (
          <>
            <ListTable
              items={list.items.slice(0, 500)}
              empty={<Empty title="No object matches" />}
              label="Objects"
              minWidth={640}
              highlightOnHover
              columns={['Name', 'Class', 'Hosted by']}
              rowKey={(o) => o.id}
              cells={(o) => [
                <Anchor key="n" component={Link} href={`/inventory/objects/${encodeURIComponent(o.id)}`}>
                  {o.displayName || o.name}
                </Anchor>,
                className(o.classId),
                o.hostId ?? 'Nothing (top host)',
              ]}
            />
            {list.items.length > 500 || list.nextAfterId ? (
              <Text size="sm" c="dimmed">
                Showing the first {Math.min(list.items.length, 500)}: choose a class or search to narrow down.
              </Text>
            ) : null}
          </>
        )}
      </QueryView>
    </Page>
  );
}
