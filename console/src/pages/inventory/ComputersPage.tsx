// Inventory › Computers and agents: registered computers, and the agents with their status and when each was
// last seen; administrators approve and revoke agents, and make, list and revoke enrollment tokens.
import { Alert, Anchor, Badge, Button, Code, Group, Modal, Stack, Tabs, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearch } from 'wouter';
import type { z } from 'zod';
import type { agentSchema } from '../../../../src/contract/agents.js';
import { api, messageOf } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { ListTable } from '../../components/list-section.js';
import { Page } from '../../components/page.js';
import { Empty } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { useAgents, useComputers, when } from './data.js';
import { EnrollmentToken } from './EnrollmentToken.js';
import { EnrollmentTokens } from './EnrollmentTokens.js';

type Agent = z.infer<typeof agentSchema>;
const statusColor = { pending: 'yellow', approved: 'green', revoked: 'gray' } as const;

export default function ComputersPage() {
  const tab = new URLSearchParams(useSearch()).get('tab') ?? 'computers';
  return (
    <Page
      title="Computers and Agents"
      description="Computers Steward knows, and the agents that run on them."
    >
      <Tabs defaultValue={tab} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="computers">Computers</Tabs.Tab>
          <Tabs.Tab value="agents">Agents</Tabs.Tab>
          <Tabs.Tab value="tokens">Enrollment tokens</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="computers" pt="md">
          <Computers />
        </Tabs.Panel>
        <Tabs.Panel value="agents" pt="md">
          <Agents />
        </Tabs.Panel>
        <Tabs.Panel value="tokens" pt="md">
          <EnrollmentTokens />
        </Tabs.Panel>
      </Tabs>
    </Page>
  );
}

function Computers() {
  const computers = useComputers();
  const manage = usePermission('agents.manage');
  const agents = useAgents(manage.allowed);
  const agentOf = (id: string) => agents.data?.find((a) => a.id === id);
  return (
    <ListTable
      query={computers}
      empty={<Empty title="No computers">An agent that enrolls registers its computer.</Empty>}
      label="Computers"
      highlightOnHover
      columns={['Name', 'Class', 'Agent', 'Last seen', 'Registered']}
      rowKey={(c) => c.id}
      cells={(c) => {
        const a = agentOf(c.id);
        return [
          <Anchor key="n" component={Link} href={`/inventory/objects/${encodeURIComponent(c.id)}`}>
            {c.displayName || c.name}
          </Anchor>,
          c.classId,
          !manage.allowed ? '—' : a ? <AgentStatus key="a" a={a} /> : 'No agent',
          a ? when(a.lastSeenAt) : '—',
          when(c.registeredAt),
        ];
      }}
    />
  );
}

function AgentStatus({ a }: { a: Agent }) {
  return (
    <Group gap={4} wrap="nowrap">
      <Badge color={statusColor[a.status]} variant="dot">
        {a.status}
      </Badge>
      {a.status === 'approved' ? (
        <Badge color={a.available ? 'green' : 'red'} variant="dot">
          {a.available ? 'available' : 'not heard from'}
        </Badge>
      ) : null}
    </Group>
  );
}

function Agents() {
  const manage = usePermission('agents.manage');
  const agents = useAgents(manage.allowed);
  const qc = useQueryClient();
  const [enrolling, setEnrolling] = useState(false);
  const [revoking, setRevoking] = useState<Agent | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const act = async (a: Agent, action: 'approve' | 'revoke') => {
    setBusy(a.id);
    setError(null);
    try {
      await api.post(`/api/v1/agents/${encodeURIComponent(a.id)}/${action}`, {});
      await Promise.all([
        qc.invalidateQueries({ queryKey: ['agents'] }),
        qc.invalidateQueries({ queryKey: ['computers'] }),
      ]);
      setRevoking(null);
    } catch (err) {
      setError(messageOf(err));
    }
    setBusy(null);
  };
  if (!manage.allowed) return <Alert color="gray">{manage.reason}</Alert>;
  return (
    <Stack>
      <Group justify="space-between">
        <Text c="dimmed" size="sm">
          Compare an agent's signing key fingerprint with the one it prints before approving it.
        </Text>
        <Button onClick={() => setEnrolling(true)}>Create enrollment token</Button>
      </Group>
      {error && !revoking ? (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      ) : null}
      <ListTable
        query={agents}
        empty={
          <Empty title="No agents yet">
            Create an enrollment token and start the agent with it, or let it enroll and approve it here.
          </Empty>
        }
        label="Agents"
        minWidth={860}
        columns={['Computer', 'Status', 'Last seen', 'Enrolled', 'Signing key fingerprint']}
        rowKey={(a) => a.id}
        cells={(a) => [
          a.computerName,
          <AgentStatus key="s" a={a} />,
          when(a.lastSeenAt),
          when(a.enrolledAt),
          <Code key="f">{a.signingKeyFingerprint.slice(0, 23)}…</Code>,
        ]}
        rowActions={(a) => (
          <Group gap={4} wrap="nowrap">
            {a.status === 'pending' ? (
              <Button
                size="xs"
                loading={busy === a.id}
                aria-label={`Approve ${a.computerName}`}
                onClick={() => act(a, 'approve')}
              >
                Approve
              </Button>
            ) : null}
            {a.status !== 'revoked' ? (
              <Button
                size="xs"
                variant="light"
                color="red"
                aria-label={`Revoke ${a.computerName}`}
                onClick={() => setRevoking(a)}
              >
                Revoke
              </Button>
            ) : null}
          </Group>
        )}
      />
      {enrolling ? <EnrollmentToken onClose={() => setEnrolling(false)} /> : null}
      {revoking ? (
        <Modal
          opened
          onClose={() => setRevoking(null)}
          title={`Revoke the agent on ${revoking.computerName}`}
        >
          <Stack>
            <Text>
              From now on its requests are refused and it receives no credentials. It must enroll again to
              come back.
            </Text>
            <DialogActions
              error={error}
              busy={busy === revoking.id}
              submitLabel="Revoke"
              onSubmit={() => act(revoking, 'revoke')}
              onCancel={() => setRevoking(null)}
            />
          </Stack>
        </Modal>
      ) : null}
    </Stack>
  );
}
