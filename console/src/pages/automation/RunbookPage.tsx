// A runbook: its state, the published code (read-only), its versions with rollback, its jobs; Start and Edit.
import { Alert, Anchor, Badge, Button, Group, Stack, Table, Tabs, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { type Runbook, runbookSchema } from '../../../../src/contract/automation.js';
import { api, messageOf } from '../../api.js';
import { Page } from '../../components/page.js';
import { PropertyTable } from '../../components/property-table.js';
import { Empty, QueryView } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { runbookState } from './AutomationAccountPage.js';
import { runbookTypeLabels } from './CreateRunbook.js';
import { useJobs, useRunbook, useRunbookContent, useRunbookVersions, when } from './data.js';
import { JobsTable } from './JobsTable.js';
import { RunbookCode } from './lazy-editor.js';
import { StartJob } from './StartJob.js';

export default function RunbookPage({ id }: { id: string }) {
  const runbook = useRunbook(id);
  const manage = usePermission('automation.manage');
  const run = usePermission('automation.jobs');
  const [starting, { open, close }] = useDisclosure();
  return (
    <QueryView query={runbook} empty={null}>
      {(r) => {
        const state = runbookState(r);
        return (
          <Page
            title={r.name}
            description={
              <>
                {runbookTypeLabels[r.type]} runbook ·{' '}
                <Anchor component={Link} href={`/automation/accounts/${r.automationAccountId}`}>
                  its automation account
                </Anchor>
              </>
            }
            actions={
              <>
                {run.allowed && r.published ? <Button onClick={open}>Start</Button> : null}
                {manage.allowed ? (
                  <Button component={Link} href={`/automation/runbooks/${r.id}/edit`} variant="default">
                    Edit
                  </Button>
                ) : null}
              </>
            }
          >
            <PropertyTable
              label="Runbook properties"
              rows={[
                [
                  'State',
                  <Badge key="s" variant="dot" color={state.color}>
                    {state.label}
                  </Badge>,
                ],
                ['Description', r.description || '—'],
                [
                  'Published',
                  r.published ? `${when(r.published.publishedAt)} by ${r.published.publishedBy}` : 'Never',
                ],
                ['Draft changed', when(r.draft.updatedAt)],
              ]}
            />
            <Tabs defaultValue="code" keepMounted={false}>
              <Tabs.List>
                <Tabs.Tab value="code">Published code</Tabs.Tab>
                <Tabs.Tab value="versions">Versions</Tabs.Tab>
                <Tabs.Tab value="jobs">Jobs</Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="code" pt="md">
                <PublishedCode runbook={r} />
              </Tabs.Panel>
              <Tabs.Panel value="versions" pt="md">
                <Versions runbook={r} />
              </Tabs.Panel>
              <Tabs.Panel value="jobs" pt="md">
                <RunbookJobs id={r.id} />
              </Tabs.Panel>
            </Tabs>
            {starting ? <StartJob runbook={r} onClose={close} /> : null}
          </Page>
        );
      }}
    </QueryView>
  );
}

function PublishedCode({ runbook: r }: { runbook: Runbook }) {
  const content = useRunbookContent(r.id, 'published', r.published !== null);
  if (!r.published)
    return (
      <Empty title="Not published yet">
        Jobs run the published version. Open the editor, test the draft, then publish it.
      </Empty>
    );
  return (
    <QueryView query={content} empty={null}>
      {(c) => (
        <Stack gap="xs">
          <Text size="sm" c="dimmed">
            Version {c.version}
            {c.parameters.length ? ` · parameters: ${c.parameters.map((p) => p.name).join(', ')}` : ''}
          </Text>
          <RunbookCode value={c.content} type={r.type} label={`Published code of ${r.name}`} readOnly />
        </Stack>
      )}
    </QueryView>
  );
}

function Versions({ runbook: r }: { runbook: Runbook }) {
  const qc = useQueryClient();
  const manage = usePermission('automation.manage');
  const versions = useRunbookVersions(r.id);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const rollback = async (version: number) => {
    setBusy(version);
    setError(null);
    try {
      const updated = await api.post(
        `/api/v1/runbooks/${encodeURIComponent(r.id)}/rollback`,
        { version },
        { schema: runbookSchema },
      );
      qc.setQueryData(['runbooks', r.id], updated);
      await qc.invalidateQueries({ queryKey: ['runbooks'] });
    } catch (err) {
      setError(messageOf(err));
    }
    setBusy(null);
  };
  return (
    <QueryView
      query={versions}
      isEmpty={(items) => items.length === 0}
      empty={<Empty title="No published versions">Each publish keeps a version you can roll back to.</Empty>}
    >
      {(items) => (
        <Stack gap="xs">
          {error ? (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          ) : null}
          <Table aria-label="Published versions" maw={760}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Version</Table.Th>
                <Table.Th>Published</Table.Th>
                <Table.Th>By</Table.Th>
                <Table.Th>Note</Table.Th>
                {manage.allowed ? <Table.Th>Rollback</Table.Th> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((v) => (
                <Table.Tr key={v.version}>
                  <Table.Td>{v.version}</Table.Td>
                  <Table.Td>{when(v.publishedAt)}</Table.Td>
                  <Table.Td>{v.publishedBy}</Table.Td>
                  <Table.Td>
                    {[
                      v.version === r.published?.version ? 'Current' : '',
                      v.rolledBackFrom ? `Rollback to version ${v.rolledBackFrom}` : '',
                    ]
                      .filter(Boolean)
                      .join(' · ')}
                  </Table.Td>
                  {manage.allowed ? (
                    <Table.Td>
                      {v.version === r.published?.version ? null : (
                        <Group gap={4}>
                          <Button
                            size="xs"
                            variant="light"
                            loading={busy === v.version}
                            onClick={() => rollback(v.version)}
                          >
                            Roll back to {v.version}
                          </Button>
                        </Group>
                      )}
                    </Table.Td>
                  ) : null}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
    </QueryView>
  );
}

function RunbookJobs({ id }: { id: string }) {
  const jobs = useJobs({ runbook: id });
  return (
    <QueryView
      query={jobs}
      isEmpty={(items) => items.length === 0}
      empty={<Empty title="No jobs yet">Start the runbook, or test its draft in the editor.</Empty>}
    >
      {(items) => <JobsTable jobs={items} showRunbook={false} />}
    </QueryView>
  );
}
