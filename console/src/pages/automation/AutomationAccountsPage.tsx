// Automation › Accounts: every automation account, and (for those who may) a new one.
import { Alert, Anchor, Button, Modal, Stack } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { automationAccountSchema, createAutomationAccountBody } from '../../../../src/contract/automation.js';
import { api, fieldErrors, messageOf } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { ListTable } from '../../components/list-section.js';
import { NameFields } from '../../components/name-fields.js';
import { Page } from '../../components/page.js';
import { Empty } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { useAutomationAccounts, when } from './data.js';
import { issuesOf } from './forms.js';

export const identityLabel = (type: string) =>
  ({
    None: 'None',
    SystemAssigned: 'System-assigned',
    UserAssigned: 'User-assigned',
    'SystemAssigned, UserAssigned': 'System- and user-assigned',
  })[type] ?? type;

export default function AutomationAccountsPage() {
  const manage = usePermission('automation.manage');
  const accounts = useAutomationAccounts();
  const [opened, { open, close }] = useDisclosure();
  return (
    <Page
      title="Automation Accounts"
      description="Runbooks, their jobs, schedules and webhooks, and the identity they run with."
      actions={manage.allowed ? <Button onClick={open}>Create automation account</Button> : null}
    >
      <ListTable
        query={accounts}
        empty={
          <Empty title="No automation accounts yet">
            {manage.allowed
              ? 'Create one to hold runbooks, their schedules and webhooks.'
              : 'An administrator or author creates them.'}
          </Empty>
        }
        label="Automation accounts"
        minWidth={640}
        highlightOnHover
        columns={['Name', 'Description', 'Managed identity', 'Created']}
        rowKey={(a) => a.id}
        cells={(a) => [
          <Anchor key="n" component={Link} href={`/automation/accounts/${a.id}`}>
            {a.name}
          </Anchor>,
          a.description || '—',
          identityLabel(a.identity.type),
          when(a.createdAt),
        ]}
      />
      {opened ? <CreateAccount onClose={close} /> : null}
    </Page>
  );
}

function CreateAccount({ onClose }: { onClose: () => void }) {
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const create = async () => {
    const body = { name, ...(description ? { description } : {}) };
    const checked = createAutomationAccountBody.safeParse(body);
    if (!checked.success) return setErrors(issuesOf(checked.error));
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      const a = await api.post('/api/v1/automation-accounts', body, { schema: automationAccountSchema });
      await qc.invalidateQueries({ queryKey: ['automation-accounts'] });
      onClose();
      navigate(`/automation/accounts/${a.id}`);
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(messageOf(err));
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title="Create automation account">
      <Stack>
        <NameFields
          name={name}
          onNameChange={setName}
          description={description}
          onDescriptionChange={setDescription}
          errors={errors}
        />
        <Alert color="gray">
          It gets a system-assigned managed identity, with no rights until you assign roles.
        </Alert>
        <DialogActions error={error} busy={busy} submitLabel="Create" onSubmit={create} onCancel={onClose} />
      </Stack>
    </Modal>
  );
}
