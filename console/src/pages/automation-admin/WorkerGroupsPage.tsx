// Automation › Hybrid Worker Groups: named sets of agents that run jobs on their computers, and a new one.
import { Anchor, Button, Modal, Select, Stack } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { createWorkerGroupBody, workerGroupSchema } from '../../../../src/contract/hybrid-workers.js';
import { api } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { ListTable } from '../../components/list-section.js';
import { NameFields } from '../../components/name-fields.js';
import { Page } from '../../components/page.js';
import { Empty } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { when } from '../automation/data.js';
import { useWorkerGroups } from './data.js';
import { useRunAsChoices } from './run-as-choices.js';
import { useSubmit } from './submit.js';

export default function WorkerGroupsPage() {
  const manage = usePermission('automation.manage');
  const groups = useWorkerGroups();
  const runAs = useRunAsChoices();
  const [opened, { open, close }] = useDisclosure();
  return (
    <Page
      title="Hybrid Worker Groups"
      description="Agents that run jobs on their own computers, as the group's Run As account or their own."
      actions={manage.allowed ? <Button onClick={open}>Create worker group</Button> : null}
    >
      <ListTable
        query={groups}
        empty={
          <Empty title="No hybrid worker groups">
            {manage.allowed
              ? 'Create one, add agents to it, then start jobs or link schedules to run on it.'
              : 'An administrator or author creates them.'}
          </Empty>
        }
        label="Hybrid worker groups"
        highlightOnHover
        columns={['Name', 'Description', 'Agents', 'Run As account', 'Created']}
        rowKey={(g) => g.id}
        cells={(g) => [
          <Anchor key="n" component={Link} href={`/automation/worker-groups/${g.id}`}>
            {g.name}
          </Anchor>,
          g.description || '—',
          `${g.workers.filter((w) => w.available).length} of ${g.workers.length} available`,
          runAs.nameOf(g.runAsAccountId),
          when(g.createdAt),
        ]}
      />
      {opened ? <CreateGroup onClose={close} /> : null}
    </Page>
  );
}

function CreateGroup({ onClose }: { onClose: () => void }) {
  const [, navigate] = useLocation();
  const submit = useSubmit();
  const runAs = useRunAsChoices();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [runAsAccountId, setRunAsAccountId] = useState<string | null>(null);
  const create = async () => {
    const body = { name, ...(description ? { description } : {}), runAsAccountId };
    const g = await submit.run(
      { schema: createWorkerGroupBody, body },
      () => api.post('/api/v1/worker-groups', body, { schema: workerGroupSchema }),
      [['worker-groups']],
    );
    if (g) {
      onClose();
      navigate(`/automation/worker-groups/${g.id}`);
    }
  };
  return (
    <Modal opened onClose={onClose} title="Create worker group">
      <Stack>
        <NameFields
          name={name}
          onNameChange={setName}
          description={description}
          onDescriptionChange={setDescription}
          errors={submit.errors}
        />
        <Select
          label="Run As account"
          description={runAs.description}
          placeholder="The agent's own account"
          clearable
          data={runAs.options}
          value={runAsAccountId}
          error={submit.errors.runAsAccountId}
          onChange={setRunAsAccountId}
        />
        <DialogActions
          error={submit.error}
          busy={submit.busy}
          submitLabel="Create"
          onSubmit={create}
          onCancel={onClose}
        />
      </Stack>
    </Modal>
  );
}
