// The report of a Run As migration (or of its dry run): the identity, the roles it gets, each runbook's rewrite
// as a diff with what is left to change by hand, and the next step.
import { Alert, Badge, Code, Stack, Text, Title } from '@mantine/core';
import type { MigrationReport } from '../../../../src/contract/runas-migrate.js';
import { ListTable } from '../../components/list-section.js';

const identityAction = {
  present: 'The system-assigned identity is on already.',
  enabled: 'The system-assigned identity was turned on.',
  'would-enable': 'The system-assigned identity would be turned on.',
};

export function MigrationReportView({ report: r }: { report: MigrationReport }) {
  return (
    <Stack gap="sm" aria-label="Migration report" role="region">
      <Title order={3} size="h5">
        {r.dryRun ? 'Dry run: nothing was changed' : 'Migration done'}
      </Title>
      <Text size="sm">{identityAction[r.identity.action]}</Text>
      <ListTable
        items={r.roleAssignments}
        empty={<Text size="sm">The Run As principal holds no role to copy.</Text>}
        label="Roles for the identity"
        minWidth={600}
        columns={['Role', 'Scope', 'From the Run As role', 'Action']}
        rowKey={(a) => `${a.role} ${a.scope}`}
        cells={(a) => [a.role, <Code key="s">{a.scope}</Code>, a.from, a.action]}
      />
      {r.auditedWrites ? (
        <Text size="sm">Audited writes of the principal: {r.auditedWrites.join(', ') || 'none'}</Text>
      ) : null}
      {r.runbooks.map((b) => (
        <Stack key={b.runbookId} gap={4}>
          <Text size="sm" fw={600}>
            {b.name}{' '}
            <Badge
              variant="light"
              color={b.action === 'failed' || b.action === 'needs-manual' ? 'red' : 'blue'}
            >
              {b.action}
            </Badge>
          </Text>
          {b.diff ? (
            <Code block aria-label={`Changes to ${b.name}`}>
              {b.diff}
            </Code>
          ) : null}
          {b.manual.map((m) => (
            <Text key={m.line} size="sm" c="orange.8">
              Line {m.line} by hand: {m.text} — {m.reason}
            </Text>
          ))}
          {b.error ? (
            <Text size="sm" c="red">
              {b.error}
            </Text>
          ) : null}
        </Stack>
      ))}
      {r.runbooks.length === 0 ? <Text size="sm">No runbook signs in with Run As.</Text> : null}
      <Alert
        color={r.complete ? 'green' : 'blue'}
        title={r.complete ? 'Nothing uses Run As any more' : 'Next step'}
      >
        {r.stillUsingRunAs.length ? (
          <Text size="sm">Still using Run As: {r.stillUsingRunAs.join(', ')}</Text>
        ) : null}
        <Text size="sm">{r.nextStep}</Text>
      </Alert>
    </Stack>
  );
}
