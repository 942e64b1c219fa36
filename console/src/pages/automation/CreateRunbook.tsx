// Create a runbook in an automation account: name, type and description; the editor opens on its first draft.
import { Modal, Select, Stack, Textarea, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useLocation } from 'wouter';
import {
  createRunbookBody,
  type RunbookType,
  runbookSchema,
  runbookTypes,
} from '../../../../src/contract/automation.js';
import { api, fieldErrors, messageOf } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { issuesOf } from './forms.js';

export const runbookTypeLabels: Record<RunbookType, string> = {
  shell: 'Shell (sh)',
  python: 'Python 3',
  node: 'Node.js',
  powershell: 'PowerShell',
};

const starters: Record<RunbookType, string> = {
  shell: '#!/bin/sh\necho "Hello from $0"\n',
  python: 'print("Hello")\n',
  node: "console.log('Hello');\n",
  powershell: 'Write-Output "Hello"\n',
};

export function CreateRunbook({ accountId, onClose }: { accountId: string; onClose: () => void }) {
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [name, setName] = useState('');
  const [type, setType] = useState<RunbookType>('shell');
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const create = async () => {
    const body = { name, type, content: starters[type], ...(description ? { description } : {}) };
    const checked = createRunbookBody.safeParse(body);
    if (!checked.success) return setErrors(issuesOf(checked.error));
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      const r = await api.post(
        `/api/v1/automation-accounts/${encodeURIComponent(accountId)}/runbooks`,
        body,
        {
          schema: runbookSchema,
        },
      );
      await qc.invalidateQueries({ queryKey: ['runbooks', 'of', accountId] });
      onClose();
      navigate(`/automation/runbooks/${r.id}/edit`);
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(messageOf(err));
      setBusy(false);
    }
  };

  return (
    <Modal opened onClose={onClose} title="Create runbook">
      <Stack>
        <TextInput
          label="Name"
          required
          data-autofocus
          value={name}
          error={errors.name && `Name ${errors.name}`}
          onChange={(e) => setName(e.currentTarget.value)}
        />
        <Select
          label="Runbook type"
          data={runbookTypes.map((t) => ({ value: t, label: runbookTypeLabels[t] }))}
          value={type}
          allowDeselect={false}
          onChange={(v) => v && setType(v as RunbookType)}
        />
        <Textarea
          label="Description"
          value={description}
          error={errors.description}
          onChange={(e) => setDescription(e.currentTarget.value)}
        />
        <DialogActions error={error} busy={busy} submitLabel="Create" onSubmit={create} onCancel={onClose} />
      </Stack>
    </Modal>
  );
}
