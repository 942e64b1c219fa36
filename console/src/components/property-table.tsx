// A resource's properties as a two-column table: name, then value.
import { Table } from '@mantine/core';
import type { ReactNode } from 'react';

export function PropertyTable({
  label,
  rows,
  my,
}: {
  label: string;
  rows: readonly (readonly [string, ReactNode])[];
  my?: string;
}) {
  return (
    <Table aria-label={label} maw={640} my={my}>
      <Table.Tbody>
        {rows.map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Th w={200}>{k}</Table.Th>
            <Table.Td>{v}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
