// The Policy page's compliance: every automation account an assignment in force reaches, its state and the
// reason, evaluated when it is read; filtered by state.
import { Anchor, Badge, Code, Group, SegmentedControl, Title } from '@mantine/core';
import { Fragment, useState } from 'react';
import { Link } from 'wouter';
import type { complianceStates } from '../../../../src/contract/policy.js';
import { ListTable } from '../../components/list-section.js';
import { Empty } from '../../components/states.js';
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
      <ListTable
        query={compliance}
        empty={
          <Empty title={state === 'all' ? 'No account is judged' : `No ${state} account`}>
            {state === 'all'
              ? 'No automation account is reached by a policy in force (Disabled assignments judge nothing).'
              : 'Choose All to see every account a policy reaches.'}
          </Empty>
        }
        label="Policy compliance"
        minWidth={900}
        columns={['Automation account', 'Policy', 'Effect', 'State', 'Reason', 'Evaluated']}
        rowKey={(r) => `${r.assignmentId} ${r.resource.id}`}
        cells={(r) => [
          <Anchor key="a" component={Link} href={`/automation/accounts/${r.resource.id}`}>
            {r.resource.name}
          </Anchor>,
          <Fragment key="p">
            {r.definitionName} <Code>{r.assignmentId}</Code>
          </Fragment>,
          r.effect,
          <Badge key="s" variant="light" tt="none" color={r.state === 'compliant' ? 'green' : 'red'}>
            {r.state === 'compliant' ? 'Compliant' : 'Non-compliant'}
          </Badge>,
          r.reason,
          when(r.evaluatedAt),
        ]}
      />
    </>
  );
}
