// Inventory › Classes: the class tree from System.Entity down, searchable, with the chosen class's properties.
import {
  Badge,
  Grid,
  Group,
  getTreeExpandedState,
  Table,
  Text,
  TextInput,
  Tree,
  type TreeNodeData,
  useTree,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import type { InventoryClass } from '../../../../src/contract/inventory.js';
import { Page } from '../../components/page.js';
import { PropertyTable } from '../../components/property-table.js';
import { Empty, QueryView } from '../../components/states.js';
import { useClasses } from './data.js';

function treeOf(classes: readonly InventoryClass[], filter: string): TreeNodeData[] {
  const children = new Map<string | null, InventoryClass[]>();
  const known = new Set(classes.map((c) => c.id));
  for (const c of classes) {
    const parent = c.baseClassId && known.has(c.baseClassId) ? c.baseClassId : null;
    children.set(parent, [...(children.get(parent) ?? []), c]);
  }
  const f = filter.toLowerCase();
  const matches = (c: InventoryClass) => `${c.id} ${c.displayName}`.toLowerCase().includes(f);
  // A class is shown when it matches or one of the classes below it does.
  const build = (parent: string | null): TreeNodeData[] =>
    (children.get(parent) ?? [])
      .sort((a, b) => a.displayName.localeCompare(b.displayName))
      .map((c) => ({ value: c.id, label: c.displayName || c.id, children: build(c.id) }))
      .filter((n) => !f || (n.children?.length ?? 0) > 0 || matches(classes.find((c) => c.id === n.value)!));
  return build(null);
}

export default function ClassesPage() {
  const classes = useClasses();
  const [filter, setFilter] = useState('');
  return (
    <Page title="Classes" description="What can be monitored: every class, below the class it derives from.">
      <TextInput
        label="Find a class"
        placeholder="Name or id"
        value={filter}
        onChange={(e) => setFilter(e.currentTarget.value)}
        maw={360}
      />
      <QueryView
        query={classes}
        isEmpty={(items) => items.length === 0}
        empty={<Empty title="No classes">Import a management pack that declares classes.</Empty>}
      >
        {(items) => <ClassTree classes={items} filter={filter} />}
      </QueryView>
    </Page>
  );
}

function ClassTree({ classes, filter }: { classes: InventoryClass[]; filter: string }) {
  const data = useMemo(() => treeOf(classes, filter), [classes, filter]);
  const [expanded, setExpanded] = useState<Record<string, boolean>>({ 'System.Entity': true });
  // While searching, every class on the way to a match is open.
  const searching = useMemo(() => (filter ? getTreeExpandedState(data, '*') : null), [filter, data]);
  const tree = useTree({ expandedState: searching ?? expanded, onExpandedStateChange: setExpanded });
  const [chosen, setChosen] = useState<string | null>(null);
  const c = classes.find((x) => x.id === chosen);
  if (data.length === 0) return <Empty title="No class matches" />;
  return (
    <Grid>
      <Grid.Col span={{ base: 12, md: 6 }}>
        <Tree
          aria-label="Class tree"
          data={data}
          tree={tree}
          renderNode={({ node, expanded, hasChildren, elementProps }) => (
            <Group
              gap={6}
              wrap="nowrap"
              {...elementProps}
              onClick={(e) => {
                elementProps.onClick(e);
                setChosen(node.value);
              }}
            >
              <Text span w={14} aria-hidden>
                {hasChildren ? (expanded ? '▾' : '▸') : ''}
              </Text>
              <Text span size="sm" fw={node.value === chosen ? 700 : 400}>
                {node.label}
              </Text>
            </Group>
          )}
        />
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 6 }}>
        {c ? <ClassProperties c={c} /> : <Text c="dimmed">Choose a class to see its properties.</Text>}
      </Grid.Col>
    </Grid>
  );
}

function ClassProperties({ c }: { c: InventoryClass }) {
  return (
    <>
      <Group gap="xs">
        <Text fw={700}>{c.displayName}</Text>
        {c.abstract ? <Badge variant="dot">Abstract</Badge> : null}
        {c.hosted ? <Badge variant="dot">Hosted</Badge> : null}
      </Group>
      <PropertyTable
        label="Class properties"
        rows={[
          ['Id', c.id],
          ['Base class', c.baseClassId ?? '—'],
          ['Management pack', c.packId ?? 'Made through the API'],
          ['Key properties', c.keyProperties.join(', ') || '—'],
          ['Description', c.description || '—'],
        ]}
      />
      {c.properties.length > 0 ? (
        <Table aria-label="Declared properties" maw={640}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Property</Table.Th>
              <Table.Th>Type</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {c.properties.map((p) => (
              <Table.Tr key={p.name}>
                <Table.Td>{p.name}</Table.Td>
                <Table.Td>{p.type}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
    </>
  );
}
