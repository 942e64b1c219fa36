// The computers, management servers and pools a distribution may approve, each with a checkbox: shared by
// Computer Search and the Distribution step of the Create Run As Account wizard.
import { Checkbox, Table, VisuallyHidden } from '@mantine/core';
import type { Target } from './data.js';

export function TargetList({
  rows,
  chosen,
  onToggle,
  suggested,
}: {
  rows: readonly Target[];
  chosen: readonly string[];
  onToggle: (id: string, on: boolean) => void;
  suggested?: ReadonlySet<string>;
}) {
  return (
    <Table.ScrollContainer minWidth={480} mah={360}>
      <Table aria-label="Search results">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={40}>
              <VisuallyHidden>Choose</VisuallyHidden>
            </Table.Th>
            <Table.Th>Name</Table.Th>
            <Table.Th>Kind</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((t) => (
            <Table.Tr key={t.id}>
              <Table.Td>
                <Checkbox
                  aria-label={`Choose ${t.name}`}
                  checked={chosen.includes(t.id)}
                  onChange={(e) => onToggle(t.id, e.currentTarget.checked)}
                />
              </Table.Td>
              <Table.Td>
                {t.name}
                {suggested?.has(t.id) ? ' (suggested)' : ''}
              </Table.Td>
              <Table.Td>{t.kind}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
