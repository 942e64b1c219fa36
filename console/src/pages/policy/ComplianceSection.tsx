// The Policy page's compliance: every automation account an assignment in force reaches, its state and the
// reason, evaluated when it is read; filtered by state.
import { Anchor, Badge, Code, Group, SegmentedControl, Table, Title } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'wouter';
import type { complianceStates } from '../../../../src/contract/policy.js';
import { Empty, QueryView } from '../../components/states.js';
import { when } from '../automation/data.js';
import { useCompliance } from './data.js';

type StateFilter = (typeof complianceStates)[number] | 'all';

const filters: { value: StateFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'non-compliant', label: 'Non-compliant' },
  { value: 'compliant', label: 'Compliant' },
];

export function ComplianceSection() {
  const [state, setState] = useState<StateFilter>('all');
  const compliance = useCompliance(state === 'all' ? undefined : state);
  return (
    <>
      <Group justify="space-between" align="flex-end">
        <Title order={2} size="h4">
          Compliance
        </Title>
        <SegmentedControl
          size="xs"
          aria-label="Show accounts"
          data={filters}
          value={state}
          onChange={(v) => setState(v as StateFilter)}
        />
      </Group>
      <QueryView
        query={compliance}
        isEmpty={(items) => items.length === 0}
        empty={
          <Empty title={state === 'all' ? 'No account is judged' : `No ${state} account`}>
            {state === 'all'
              ? 'No automation account is reached by a policy in force (Disabled assignments judge nothing).'
              : 'Choose All to see every account a policy reaches.'}
          </Empty>
        }
      >
        {(items) => (
          <Table.ScrollContainer minWidth={900}>
            <Table striped aria-label="Policy compliance">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Automation account</Table.Th>
                  <Table.Th>Policy</Table.Th>
                  <Table.Th>Effect</Table.Th>
                  <Table.Th w={140}>State</Table.Th>
                  <Table.Th>Reason</Table.Th>
                  <Table.Th>Evaluated</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((r) => (
                  <Table.Tr key={`${r.assignmentId} ${r.resource.id}`}>
                    <Table.Td>
                      <Anchor component={Link} href={`/automation/accounts/${r.resource.id}`}>
                        {r.resource.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      {r.definitionName} <Code>{r.assignmentId}</Code>
                    </Table.Td>
                    <Table.Td>{r.effect}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" tt="none" color={r.state === 'compliant' ? 'green' : 'red'}>
                        {r.state === 'compliant' ? 'Compliant' : 'Non-compliant'}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{r.reason}</Table.Td>
                    <Table.Td>{when(r.evaluatedAt)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryView>
    </>
  );
}
