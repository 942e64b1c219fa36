// Automation › Identities: user-assigned identities (create, delete) and role assignments at a scope.
import { Button, Code, Group, Modal, Stack, TextInput, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import {
  createUserAssignedIdentityBody,
  type UserAssignedIdentity,
  userAssignedIdentitySchema,
} from '../../../../src/contract/identities.js';
import { scopeSchema } from '../../../../src/contract/role-assignments.js';
import { api } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { ListSection, RowActions } from '../../components/list-section.js';
import { NameFields } from '../../components/name-fields.js';
import { Page } from '../../components/page.js';
import { Empty } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { useAutomationAccounts } from '../automation/data.js';
import { ConfirmDelete } from './ConfirmDelete.js';
import { useRoleAssignments, useUserAssignedIdentities } from './data.js';
import { type Principal, RoleAssignments } from './RoleAssignments.js';
import { useSubmit } from './submit.js';

export default function IdentitiesPage() {
  const manage = usePermission('automation.manage');
  const uamis = useUserAssignedIdentities();
  const accounts = useAutomationAccounts();
  const [opened, { open, close }] = useDisclosure();
  const [deleting, setDeleting] = useState<UserAssignedIdentity | null>(null);
  const accountName = (id: string) => accounts.data?.find((a) => a.id === id)?.name ?? id;
  const principals: Principal[] = [
    ...(accounts.data ?? []).flatMap((a) =>
      a.identity.principalId
        ? [{ principalId: a.identity.principalId, label: `System-assigned (${a.name})` }]
        : [],
    ),
    ...(uamis.data ?? []).map((u) => ({ principalId: u.principalId, label: `User-assigned ${u.name}` })),
  ];
  return (
    <Page
      title="Identities"
      description="Managed identities runbooks sign in with, and the roles they hold at each scope."
      actions={manage.allowed ? <Button onClick={open}>Create user-assigned identity</Button> : null}
    >
      <ListSection
        title="User-assigned identities"
        query={uamis}
        empty={
          <Empty title="No user-assigned identities">
            One identity can be attached to several automation accounts and keeps its roles across them.
          </Empty>
        }
        columns={['Name', 'Client id', 'Principal id', 'Attached to']}
        rowKey={(u) => u.id}
        cells={(u) => [
          u.name,
          <Code key="c">{u.clientId}</Code>,
          <Code key="p">{u.principalId}</Code>,
          u.automationAccountIds.map(accountName).join(', ') || 'No account',
        ]}
        rowActions={
          manage.allowed ? (u) => <RowActions name={u.name} onDelete={() => setDeleting(u)} /> : undefined
        }
      />
      <ScopedAssignments principals={principals} />
      {opened ? <CreateIdentity onClose={close} /> : null}
      {deleting ? (
        <ConfirmDelete
          title={`Delete ${deleting.name}`}
          onConfirm={() => api.delete(`/api/v1/user-assigned-identities/${encodeURIComponent(deleting.id)}`)}
          invalidate={[['user-assigned-identities'], ['automation-accounts'], ['role-assignments']]}
          onClose={() => setDeleting(null)}
        >
          The accounts it is attached to lose it, and runbooks that sign in with it fail.
        </ConfirmDelete>
      ) : null}
    </Page>
  );
}

function ScopedAssignments({ principals }: { principals: Principal[] }) {
  const [typed, setTyped] = useState('/');
  const [scope, setScope] = useState('/');
  const valid = scopeSchema.safeParse(typed);
  const assignments = useRoleAssignments({ scope });
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        Role assignments
      </Title>
      <Group align="flex-start">
        <TextInput
          label="At scope (and beneath it)"
          w={420}
          spellCheck={false}
          value={typed}
          error={valid.success ? undefined : `Scope ${valid.error.issues[0]?.message}`}
          onChange={(e) => setTyped(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Enter' && valid.success && setScope(typed)}
        />
        <Button mt={25} variant="light" disabled={!valid.success} onClick={() => setScope(typed)}>
          Show
        </Button>
      </Group>
      <RoleAssignments
        label="Role assignments at the scope"
        query={assignments}
        principals={principals}
        defaultScope={scope}
      />
    </Stack>
  );
}

function CreateIdentity({ onClose }: { onClose: () => void }) {
  const submit = useSubmit();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = async () => {
    const body = { name, ...(description ? { description } : {}) };
    const done = await submit.run(
      { schema: createUserAssignedIdentityBody, body },
      () => api.post('/api/v1/user-assigned-identities', body, { schema: userAssignedIdentitySchema }),
      [['user-assigned-identities']],
    );
    if (done) onClose();
  };
  return (
    <Modal opened onClose={onClose} title="Create user-assigned identity">
      <Stack>
        <NameFields
          name={name}
          onNameChange={setName}
          description={description}
          onDescriptionChange={setDescription}
          errors={submit.errors}
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
