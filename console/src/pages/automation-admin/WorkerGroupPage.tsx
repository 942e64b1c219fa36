// One hybrid worker group: its agents (status, available, last seen) to add and remove, the Run As account its
// jobs run as, and deleting it.
import { Autocomplete, Badge, Button, Group, Select, Title, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { useLocation } from 'wouter';
import {
  addWorkerBody,
  updateWorkerGroupBody,
  type WorkerGroup,
  workerGroupSchema,
} from '../../../../src/contract/hybrid-workers.js';
import { api } from '../../api.js';
import { ListTable, RowActions } from '../../components/list-section.js';
import { Page } from '../../components/page.js';
import { PropertyTable } from '../../components/property-table.js';
import { Empty, QueryView } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { when } from '../automation/data.js';
import { ConfirmDelete } from './ConfirmDelete.js';
import { useAgents, useWorkerGroup } from './data.js';
import { useRunAsChoices } from './run-as-choices.js';
import { useSubmit } from './submit.js';

const enc = encodeURIComponent;

export default function WorkerGroupPage({ id }: { id: string }) {
  const group = useWorkerGroup(id);
  return (
    <QueryView query={group} empty={null}>
      {(g) => <GroupView group={g} />}
    </QueryView>
  );
}

function GroupView({ group: g }: { group: WorkerGroup }) {
  const manage = usePermission('automation.manage');
  const [, navigate] = useLocation();
  const runAs = useRunAsChoices();
  const [deleting, setDeleting] = useState(false);
  const [removing, setRemoving] = useState<WorkerGroup['workers'][number] | null>(null);
  const keys = [['worker-groups']] as const;
  return (
    <Page
      title={g.name}
      description={`Hybrid worker group${g.description ? ` · ${g.description}` : ''}`}
      actions={
        manage.allowed ? (
          <Button color="red" variant="light" onClick={() => setDeleting(true)}>
            Delete group
          </Button>
        ) : null
      }
    >
      <PropertyTable
        label="Worker group"
        rows={[
          ['Id (run on)', g.id],
          ['Run As account', runAs.nameOf(g.runAsAccountId)],
          ['Agents', `${g.workers.filter((w) => w.available).length} of ${g.workers.length} available`],
          ['Created', when(g.createdAt)],
        ]}
      />
      {manage.allowed ? <RunAsAccount group={g} /> : null}
      <Title order={2} size="h4">
        Agents
      </Title>
      {manage.allowed ? <AddAgent group={g} /> : null}
      <ListTable
        items={g.workers}
        empty={
          <Empty title="No agents">
            Add an approved agent: the group's jobs run on whichever is available.
          </Empty>
        }
        label="Agents of the group"
        columns={['Computer', 'Status', 'Available', 'Last seen', 'Added']}
        rowKey={(w) => w.agentId}
        cells={(w) => [
          w.computerName,
          w.status,
          <Badge key="a" variant="dot" color={w.available ? 'green' : 'gray'}>
            {w.available ? 'Available' : 'Not available'}
          </Badge>,
          when(w.lastSeenAt),
          `${when(w.addedAt)} by ${w.addedBy}`,
        ]}
        rowActions={
          manage.allowed
            ? (w) => <RowActions name={w.computerName} deleteLabel="Remove" onDelete={() => setRemoving(w)} />
            : undefined
        }
      />
      {removing ? (
        <ConfirmDelete
          title={`Remove ${removing.computerName}`}
          submitLabel="Remove"
          onConfirm={() => api.delete(`/api/v1/worker-groups/${enc(g.id)}/agents/${enc(removing.agentId)}`)}
          invalidate={keys}
          onClose={() => setRemoving(null)}
        >
          The group's new jobs no longer run on it; the jobs it runs now go on there.
        </ConfirmDelete>
      ) : null}
      {deleting ? (
        <ConfirmDelete
          title={`Delete ${g.name}`}
          onConfirm={async () => {
            await api.delete(`/api/v1/worker-groups/${enc(g.id)}`);
            navigate('/automation/worker-groups');
          }}
          invalidate={keys}
          onClose={() => setDeleting(false)}
        >
          Refused while it has jobs that have not ended. Schedules and webhooks that run on it then fail.
        </ConfirmDelete>
      ) : null}
    </Page>
  );
}

function RunAsAccount({ group: g }: { group: WorkerGroup }) {
  const runAs = useRunAsChoices();
  const submit = useSubmit();
  const [value, setValue] = useState<string | null>(g.runAsAccountId);
  const save = () => {
    const body = { runAsAccountId: value };
    return submit.run(
      { schema: updateWorkerGroupBody, body },
      () => api.patch(`/api/v1/worker-groups/${enc(g.id)}`, body, { schema: workerGroupSchema }),
      [['worker-groups']],
    );
  };
  return (
    <Group align="flex-end">
      <Select
        label="Run As account of the group"
        description={runAs.description}
        placeholder="The agent's own account"
        clearable
        w={360}
        data={runAs.options}
        value={value}
        error={submit.errors.runAsAccountId ?? submit.error}
        onChange={setValue}
      />
      <Button variant="light" loading={submit.busy} disabled={value === g.runAsAccountId} onClick={save}>
        Save Run As account
      </Button>
    </Group>
  );
}

function AddAgent({ group: g }: { group: WorkerGroup }) {
  const listAgents = usePermission('agents.manage');
  const agents = useAgents(listAgents.allowed);
  const submit = useSubmit();
  const [agent, setAgent] = useState('');
  const members = new Set(g.workers.map((w) => w.agentId));
  const add = async () => {
    const known = agents.data?.find((a) => a.computerName === agent);
    const body = { agentId: known?.id ?? agent };
    const done = await submit.run(
      { schema: addWorkerBody, body },
      () => api.post(`/api/v1/worker-groups/${enc(g.id)}/agents`, body, { schema: workerGroupSchema }),
      [['worker-groups']],
    );
    if (done) setAgent('');
  };
  return (
    <Group align="flex-start">
      <Tooltip label="Only administrators see the list of agents" disabled={listAgents.allowed}>
        <Autocomplete
          label="Agent to add (computer name or id)"
          w={360}
          data={(agents.data ?? [])
            .filter((a) => !members.has(a.id) && a.status === 'approved')
            .map((a) => a.computerName)}
          value={agent}
          error={submit.errors.agentId ?? submit.error}
          onChange={setAgent}
        />
      </Tooltip>
      <Button mt={25} variant="light" loading={submit.busy} disabled={!agent} onClick={add}>
        Add agent
      </Button>
    </Group>
  );
}
