// Alerts: the list, newest first, narrowed by severity, resolution state, source and text.
import { Anchor, Badge, Group, Select, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'wouter';
import { type Alert, type Severity, severities, sourceKinds } from '../../../../src/contract/alerts.js';
import { Page } from '../../components/page.js';
import { Empty, QueryView } from '../../components/states.js';
import { when } from '../automation/data.js';
import { severityColor, severityLabel, sourceKindLabel, useAlerts } from './data.js';

const stateOptions = [
  { value: 'open', label: 'Open (not closed)' },
  { value: 'new', label: 'New' },
  { value: 'custom', label: 'Custom states (1–254)' },
  { value: 'closed', label: 'Closed' },
  { value: 'all', label: 'Any state' },
];

type StateChoice = 'open' | 'new' | 'custom' | 'closed' | 'all';

const fitsState = (a: Alert, s: StateChoice) =>
  s === 'new'
    ? a.resolutionState === 0
    : s === 'custom'
      ? a.resolutionState > 0 && a.resolutionState < 255
      : true;

const textOf = (a: Alert) =>
  `${a.name} ${a.description} ${a.sourceObjectId ?? ''} ${a.owner ?? ''} ${a.ticketId ?? ''}`.toLowerCase();

export default function AlertsPage() {
  const [severity, setSeverity] = useState<Severity | null>(null);
  const [state, setState] = useState<StateChoice>('open');
  const [source, setSource] = useState<string | null>(null);
  const [text, setText] = useState('');
  const alerts = useAlerts({
    state: state === 'new' || state === 'custom' ? 'open' : state,
    ...(severity ? { severity } : {}),
  });
  return (
    <Page
      title="Alerts"
      description="Raised by monitors and rules, by Steward about credentials, by health service watchers, or through the API."
    >
      <Group align="flex-end" gap="sm" wrap="wrap">
        <Select
          label="Severity"
          placeholder="Any severity"
          clearable
          data={severities.map((s) => ({ value: s, label: severityLabel[s] }))}
          value={severity}
          onChange={(v) => setSeverity(v as Severity | null)}
          w={180}
        />
        <Select
          label="Resolution state"
          data={stateOptions}
          value={state}
          allowDeselect={false}
          onChange={(v) => setState((v ?? 'open') as StateChoice)}
          w={220}
        />
        <Select
          label="Source"
          placeholder="Any source"
          clearable
          data={sourceKinds.map((k) => ({ value: k, label: sourceKindLabel[k] }))}
          value={source}
          onChange={setSource}
          w={220}
        />
        <TextInput
          label="Text"
          placeholder="Name, description, object, owner, ticket"
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          w={300}
        />
      </Group>
      <QueryView
        query={alerts}
        isEmpty={(page) => page.items.length === 0}
        empty={<Empty title="No alerts">Nothing in this state and severity. Calm.</Empty>}
      >
        {(page) => {
          const shown = page.items.filter(
            (a) =>
              fitsState(a, state) &&
              (!source || a.sourceKind === source) &&
              textOf(a).includes(text.trim().toLowerCase()),
          );
          return shown.length === 0 ? (
            <Empty title="No alert matches these filters" />
          ) : (
            <>
              <Text size="sm" c="dimmed" role="status">
                {shown.length} of {page.items.length} alert{page.items.length === 1 ? '' : 's'}
                {page.nextAfterId ? ' (the newest 500)' : ''}
              </Text>
              <Table.ScrollContainer minWidth={820}>
                <Table striped highlightOnHover aria-label="Alerts">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Severity</Table.Th>
                      <Table.Th>Name</Table.Th>
                      <Table.Th>Source</Table.Th>
                      <Table.Th>Resolution state</Table.Th>
                      <Table.Th>Raised</Table.Th>
                      <Table.Th>Repeats</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {shown.map((a) => (
                      <Table.Tr key={a.id}>
                        <Table.Td>
                          <Badge variant="dot" color={severityColor[a.severity]}>
                            {severityLabel[a.severity]}
                          </Badge>
                        </Table.Td>
                        <Table.Td>
                          <Anchor component={Link} href={`/alerts/${encodeURIComponent(a.id)}`}>
                            {a.name}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>{a.sourceObjectId ?? sourceKindLabel[a.sourceKind]}</Table.Td>
                        <Table.Td>{a.resolutionStateName}</Table.Td>
                        <Table.Td>{when(a.timeRaised)}</Table.Td>
                        <Table.Td>{a.repeatCount}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </>
          );
        }}
      </QueryView>
    </Page>
  );
}
