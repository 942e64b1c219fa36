// The shape of a list on a page: a heading with its actions, then a table of a query's items (with the loading,
// empty and error states) or of items already in memory, whose last column holds each row's actions. Actions a
// role may not take are absent: the caller passes no `actions` and no `rowActions` then, and the table has no
// Actions column.
import { Button, Group, Stack, Table, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { QueryView } from './states.js';

type ListQuery<T> = { isPending: boolean; error: unknown; data: T[] | undefined; refetch: () => unknown };

/** Where the rows come from: a query, shown loading or failed until it answers, or `items` already in memory. */
type ListSource<T> = { query: ListQuery<T>; items?: never } | { items: readonly T[]; query?: never };

type TableProps<T> = {
  /** What shows when there are no items. */
  empty: ReactNode;
  /** The table's accessible name. */
  label: string;
  columns: readonly string[];
  /** One cell per column, in order. */
  cells: (item: T) => ReactNode[];
  rowKey: (item: T) => string;
  /** The last cell of each row; without it the table has no Actions column. */
  rowActions?: ((item: T) => ReactNode) | undefined;
  minWidth?: number;
  /** Shade the row under the pointer: for lists whose rows lead to a page of their own. */
  highlightOnHover?: boolean;
};

export type ListTableProps<T> = ListSource<T> & TableProps<T>;

export function ListTable<T>(p: ListTableProps<T>) {
  if (p.query === undefined) return p.items.length === 0 ? p.empty : <Rows {...p} items={p.items} />;
  return (
    <QueryView query={p.query} isEmpty={(items) => items.length === 0} empty={p.empty}>
      {(items) => <Rows {...p} items={items} />}
    </QueryView>
  );
}

function Rows<T>({ items, ...p }: TableProps<T> & { items: readonly T[] }) {
  return (
    <Table.ScrollContainer minWidth={p.minWidth ?? 720}>
      <Table striped highlightOnHover={p.highlightOnHover} aria-label={p.label}>
        <Table.Thead>
          <Table.Tr>
            {p.columns.map((c) => (
              <Table.Th key={c}>{c}</Table.Th>
            ))}
            {p.rowActions ? <Table.Th>Actions</Table.Th> : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((item) => (
            <Table.Tr key={p.rowKey(item)}>
              {p.cells(item).map((cell, i) => (
                <Table.Td key={p.columns[i] ?? i}>{cell}</Table.Td>
              ))}
              {p.rowActions ? <Table.Td>{p.rowActions(item)}</Table.Td> : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** A titled list: the heading (a level-2 heading, and the table's name unless `label` says otherwise) with its
 * actions, the table, then `children` (the dialogs the actions open). */
export function ListSection<T>(
  p: ListSource<T> &
    Omit<TableProps<T>, 'label'> & {
      title: string;
      label?: string;
      actions?: ReactNode;
      children?: ReactNode;
    },
) {
  return (
    <Stack gap="xs">
      <Group justify="space-between">
        <Title order={2} size="h4">
          {p.title}
        </Title>
        {p.actions}
      </Group>
      <ListTable {...p} label={p.label ?? p.title} />
      {p.children}
    </Stack>
  );
}

/** A row's Change and Delete buttons (either may be left out), after any `children`. Each button is named after
 * its verb and `name`, e.g. "Delete connection type Foo", so that a screen reader tells the rows apart. */
export function RowActions(p: {
  name: string;
  onChange?: (() => void) | undefined;
  changeLabel?: string;
  onDelete?: (() => void) | undefined;
  deleteLabel?: string;
  size?: 'xs' | 'compact-sm';
  children?: ReactNode;
}) {
  const size = p.size ?? 'compact-sm';
  const change = p.changeLabel ?? 'Change';
  const del = p.deleteLabel ?? 'Delete';
  return (
    <Group gap={4} wrap="nowrap">
      {p.children}
      {p.onChange ? (
        <Button size={size} variant="subtle" aria-label={`${change} ${p.name}`} onClick={p.onChange}>
          {change}
        </Button>
      ) : null}
      {p.onDelete ? (
        <Button size={size} variant="subtle" color="red" aria-label={`${del} ${p.name}`} onClick={p.onDelete}>
          {del}
        </Button>
      ) : null}
    </Group>
  );
}
