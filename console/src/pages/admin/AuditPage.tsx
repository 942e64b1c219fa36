// Administration › Audit log: every change, oldest first, filtered by actor, kind and time; and the keyed hash
// chain checked on demand (edited or deleted records are named).
import { Alert, Button, Code, Group, List, Stack, Table, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { auditVerifyResponse } from '../../../../src/contract/audit.js';
import { api } from '../../api.js';
import { Page } from '../../components/page.js';
import { Empty, Failure, Loading, QueryView } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { when } from '../automation/data.js';
import { type AuditFilter, useAudit } from './data.js';

/** A datetime-local value (the browser's wall clock) as an ISO instant, or undefined when empty or unreadable. */
const instant = (local: string) => {
  const t = local ? new Date(local) : null;
  return t && !Number.isNaN(t.getTime()) ? t.toISOString() : undefined;
};

export default function AuditPage() {
  const read = usePermission('audit.read');
  const [draft, setDraft] = useState({ actor: '', kind: '', since: '', until: '' });
  const [filter, setFilter] = useState<AuditFilter>({});
  const [pages, setPages] = useState<number[]>([0]);
  const afterSeq = pages[pages.length - 1] ?? 0;
  const audit = useAudit(filter, afterSeq, read.allowed);
  const apply = () => {
    setFilter({
      ...(draft.actor.trim() ? { actor: draft.actor.trim() } : {}),
      ...(draft.kind.trim() ? { kind: draft.kind.trim() } : {}),
      ...(instant(draft.since) ? { since: instant(draft.since) } : {}),
      ...(instant(draft.until) ? { until: instant(draft.until) } : {}),
    });
    setPages([0]);
  };
  return (
    <Page title="Audit log" description="Every change, who made it and when, in a keyed hash chain.">
      {read.allowed ? (
        <>
          <Verification />
          <Group
            align="flex-end"
            gap="sm"
            wrap="wrap"
            component="form"
            onSubmit={(e) => {
              e.preventDefault();
              apply();
            }}
          >
            <TextInput
              label="Actor"
              placeholder="user:admin, system"
              value={draft.actor}
              onChange={(e) => setDraft({ ...draft, actor: e.currentTarget.value })}
              w={200}
            />
            <TextInput
              label="Kind"
              placeholder="user.create or user.*"
              value={draft.kind}
              onChange={(e) => setDraft({ ...draft, kind: e.currentTarget.value })}
              w={220}
            />
            <TextInput
              label="From"
              type="datetime-local"
              value={draft.since}
              onChange={(e) => setDraft({ ...draft, since: e.currentTarget.value })}
              w={220}
            />
            <TextInput
              label="Until"
              type="datetime-local"
              value={draft.until}
              onChange={(e) => setDraft({ ...draft, until: e.currentTarget.value })}
              w={220}
            />
            <Button type="submit">Filter</Button>
          </Group>
          <QueryView
            query={audit}
            isEmpty={(items) => items.length === 0 && pages.length === 1}
            empty={<Empty title="No audit record matches" />}
          >
            {(items) => (
              <Stack gap="xs">
                <Table.ScrollContainer minWidth={900}>
                  <Table striped aria-label="Audit records">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>#</Table.Th>
                        <Table.Th>When</Table.Th>
                        <Table.Th>Actor</Table.Th>
                        <Table.Th>Kind</Table.Th>
                        <Table.Th>Target</Table.Th>
                        <Table.Th>Details</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {items.map((r) => (
                        <Table.Tr key={r.seq}>
                          <Table.Td>{r.seq}</Table.Td>
                          <Table.Td>{when(r.at)}</Table.Td>
                          <Table.Td>{r.actor}</Table.Td>
                          <Table.Td>{r.kind}</Table.Td>
                          <Table.Td>{r.target ?? '—'}</Table.Td>
                          <Table.Td>
                            <Code fz="xs">{JSON.stringify(r.details).slice(0, 200)}</Code>
                          </Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Table.ScrollContainer>
                <Group>
                  <Button
                    variant="default"
                    disabled={pages.length === 1}
                    onClick={() => setPages(pages.slice(0, -1))}
                  >
                    Earlier records
                  </Button>
                  <Button
                    variant="default"
                    disabled={items.length < 200}
                    onClick={() => setPages([...pages, items[items.length - 1]?.seq ?? afterSeq])}
                  >
                    Later records
                  </Button>
                </Group>
              </Stack>
            )}
          </QueryView>
        </>
      ) : (
        <Alert color="gray">{read.reason}</Alert>
      )}
    </Page>
  );
}

function Verification() {
  const [asked, setAsked] = useState(false);
  const verify = useQuery({
    queryKey: ['audit', 'verify'],
    enabled: asked,
    queryFn: () => api.get('/api/v1/audit/verify', { schema: auditVerifyResponse }),
  });
  return (
    <Stack gap="xs" align="flex-start">
      <Button
        variant="default"
        onClick={() => (asked ? void verify.refetch() : setAsked(true))}
        loading={verify.isFetching}
      >
        Verify the chain
      </Button>
      {!asked ? null : verify.isPending ? (
        <Loading label="Checking every record…" />
      ) : verify.error ? (
        <Failure error={verify.error} retry={() => void verify.refetch()} />
      ) : verify.data.ok ? (
        <Alert color="green" role="status">
          <Text fw={700} size="sm">
            The chain is intact
          </Text>
          {verify.data.checked} records checked
          {verify.data.keyedFrom !== null
            ? `; keyed from record ${verify.data.keyedFrom}.`
            : '; no record is keyed yet.'}
        </Alert>
      ) : (
        <Alert color="red" role="alert">
          <Text fw={700} size="sm">
            The chain is broken
          </Text>
          <Text size="sm">{verify.data.checked} records checked. Problems:</Text>
          <List size="sm">
            {verify.data.problems.map((p) => (
              <List.Item key={`${p.seq}-${p.problem}`}>
                Record {p.seq}: {p.message}
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
    </Stack>
  );
}
