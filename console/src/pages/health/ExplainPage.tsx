// Explain: pick a workflow or a profile and an object → the account that would be used, and the chain of
// reasons the API gives for it (candidates, conflict, hosting chain).
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  List,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import type { z } from 'zod';
import { explanationSchema } from '../../../../src/contract/resolution.js';
import { api } from '../../api.js';
import { Page } from '../../components/page.js';
import { PropertyTable } from '../../components/property-table.js';
import { Failure, Loading } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { useAccounts, useProfiles } from '../accounts/data.js';
import { useObjectNames, useWorkflows } from '../inventory/data.js';
import { ObjectSelect } from '../inventory/object-select.js';
import { useScopeLabels } from '../inventory/scope-labels.js';

type Explanation = z.infer<typeof explanationSchema>;
type Ask = { by: 'workflow' | 'profile'; id: string; object: string };

export default function ExplainPage() {
  const manage = usePermission('accounts.manage');
  const [by, setBy] = useState<Ask['by']>('workflow');
  const [subject, setSubject] = useState<string | null>(null);
  const [object, setObject] = useState<string | null>(null);
  const [ask, setAsk] = useState<Ask | null>(null);
  const workflows = useWorkflows(manage.allowed);
  const profiles = useProfiles();
  const answer = useQuery({
    queryKey: ['explain', ask],
    enabled: ask !== null,
    queryFn: () =>
      api.get('/api/v1/explain', {
        query: { [ask!.by]: ask!.id, object: ask!.object },
        schema: explanationSchema,
      }),
  });
  const subjects =
    by === 'workflow'
      ? (workflows.data ?? []).map((w) => ({ value: w.id, label: `${w.displayName} (${w.id})` }))
      : (profiles.data ?? []).map((p) => ({ value: p.id, label: `${p.displayName} (${p.id})` }));
  return (
    <Page
      title="Explain"
      description="Which Run As account a workflow or profile uses for an object, and why."
    >
      {!manage.allowed ? (
        <Alert color="gray">{manage.reason}</Alert>
      ) : (
        <Stack maw={760}>
          <SegmentedControl
            aria-label="Explain a"
            data={[
              { value: 'workflow', label: 'Workflow' },
              { value: 'profile', label: 'Profile' },
            ]}
            value={by}
            onChange={(v) => {
              setBy(v as Ask['by']);
              setSubject(null);
            }}
          />
          <Select
            label={by === 'workflow' ? 'Workflow' : 'Run As profile'}
            placeholder={
              (by === 'workflow' ? workflows.isPending : profiles.isPending) ? 'Loading…' : 'Type to search'
            }
            searchable
            limit={50}
            nothingFoundMessage="Nothing matches"
            data={subjects}
            value={subject}
            error={
              (by === 'workflow' ? workflows.error : profiles.error)
                ? `The ${by}s could not be read`
                : undefined
            }
            onChange={setSubject}
          />
          <ObjectSelect label="Object" value={object} onChange={setObject} />
          <Group>
            <Button
              disabled={!subject || !object}
              onClick={() => subject && object && setAsk({ by, id: subject, object })}
            >
              Explain
            </Button>
          </Group>
          {ask === null ? null : answer.isPending ? (
            <Loading label="Resolving…" />
          ) : answer.error ? (
            <Failure error={answer.error} retry={() => void answer.refetch()} />
          ) : (
            <Answer e={answer.data} />
          )}
        </Stack>
      )}
    </Page>
  );
}

/** Objects, computers, pools and accounts the API names by id in a reason, by their names (ids kept when unknown). */
const REASON_IDS = /\b(?:obj|cmp|pool|acct)_[A-Za-z0-9]+\b/g;
const withNames = (reason: string, nameOf: (id: string) => string) =>
  reason.replace(REASON_IDS, (id) => {
    const name = nameOf(id);
    return name === id ? id : name;
  });

function Answer({ e }: { e: Explanation }) {
  const accounts = useAccounts();
  const names = useObjectNames([
    e.objectId,
    e.healthServiceId,
    ...e.hostChain,
    ...e.reasons.flatMap((reason) => reason.match(REASON_IDS) ?? []).filter((id) => !id.startsWith('acct_')),
  ]);
  const objectName = names.nameOf;
  const scopes = useScopeLabels(e.candidates.map((c) => c.scope));
  const accountName = (id: string) => accounts.data?.find((a) => a.id === id)?.name ?? id;
  // The answer names what it mentions: it waits for the names rather than showing ids first.
  if (names.pending || scopes.pending || accounts.isPending) return <Loading label="Resolving…" />;
  const r = e.resolution;
  const verdict =
    r.kind === 'default-action-account' ? (
      <Text>The health service's default action account (no association applies).</Text>
    ) : (
      <Group gap="xs">
        <Anchor component={Link} href={`/run-as/accounts/${r.accountId}`} fw={700}>
          {accountName(r.accountId)}
        </Anchor>
        {r.kind === 'not-distributed' ? (
          <Badge color="red" variant="dot">
            Not distributed to {objectName(e.healthServiceId)}: the workflow does not run
          </Badge>
        ) : (
          <Badge color="green" variant="dot">
            Distributed
          </Badge>
        )}
      </Group>
    );
  return (
    <Stack gap="sm" role="region" aria-label="Explanation">
      <Title order={2} size="h4">
        Account used
      </Title>
      {verdict}
      <PropertyTable
        label="What was resolved"
        rows={[
          ['Workflow', e.workflowId ?? '—'],
          ['Profile', e.profileId ?? '—'],
          ['Object', objectName(e.objectId)],
          ['Runs on', objectName(e.healthServiceId)],
          [
            'Hosted by',
            e.hostChain.length ? e.hostChain.map(objectName).join(' ← ') : 'Nothing: it is a top host',
          ],
        ]}
      />
      <Title order={2} size="h4">
        Reasons
      </Title>
      <List type="ordered" aria-label="Reasons">
        {e.reasons.map((reason) => (
          <List.Item key={reason}>
            {withNames(reason, (id) => (id.startsWith('acct_') ? accountName(id) : objectName(id)))}
          </List.Item>
        ))}
      </List>
      {e.conflict ? (
        <Alert color="gray" title="Conflict">
          Associations at the same level name different accounts:{' '}
          {e.conflict.accountIds.map(accountName).join(', ')}. Mark the one that should win enforced.
        </Alert>
      ) : null}
      {e.candidates.length > 0 ? (
        <Table.ScrollContainer minWidth={560}>
          <Table aria-label="Candidate associations">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Account</Table.Th>
                <Table.Th>Scope</Table.Th>
                <Table.Th>Enforced</Table.Th>
                <Table.Th>Outcome</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {e.candidates.map((c) => (
                <Table.Tr key={c.associationId}>
                  <Table.Td>{accountName(c.accountId)}</Table.Td>
                  <Table.Td>{scopes.label(c.scope)}</Table.Td>
                  <Table.Td>{c.enforced ? 'Yes' : 'No'}</Table.Td>
                  <Table.Td>{c.winner ? 'Wins' : 'Loses'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
    </Stack>
  );
}
