// Make an enrollment token for one computer: the token is shown once, here, and never again.
import { Alert, Button, Group, Modal, NumberInput, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import { createEnrollmentTokenBody, enrollmentTokenSchema } from '../../../../src/contract/agents.js';
import { api, fieldErrors, messageOf } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { PropertyTable } from '../../components/property-table.js';
import { issuesOf } from '../automation/forms.js';
import { when } from './data.js';

type Token = z.infer<typeof enrollmentTokenSchema>;

export function EnrollmentToken({ onClose }: { onClose: () => void }) {
  const [computerName, setComputerName] = useState('');
  const [minutes, setMinutes] = useState<number | string>(60);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [made, setMade] = useState<Token | null>(null);
  const create = async () => {
    const body = { computerName, expiresInMinutes: Number(minutes) };
    const checked = createEnrollmentTokenBody.safeParse(body);
    if (!checked.success) return setErrors(issuesOf(checked.error));
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      setMade(await api.post('/api/v1/agents/enrollment-tokens', body, { schema: enrollmentTokenSchema }));
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(messageOf(err));
    }
    setBusy(false);
  };
  // Closing forgets the token: it is not kept anywhere in the page.
  const close = () => {
    setMade(null);
    onClose();
  };
  return (
    <Modal opened onClose={close} title="Create enrollment token">
      {made ? (
        <Stack>
          <Alert color="gray" title="Shown once">
            Copy the token now and give it to the agent on {made.computerName} (steward agent --token). It is
            not shown again.
          </Alert>
          <TextInput
            label="Enrollment token"
            value={made.token}
            readOnly
            onFocus={(e) => e.currentTarget.select()}
          />
          <PropertyTable
            label="What the token admits"
            rows={[
              ['Computer', made.computerName],
              ['Expires', when(made.expiresAt)],
              ['Server certificate SHA-256', made.serverCertificateSha256 ?? 'Plain HTTP: nothing to pin'],
            ]}
          />
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <Stack>
          <TextInput
            label="Computer name"
            required
            data-autofocus
            value={computerName}
            error={errors.computerName && `Computer name ${errors.computerName}`}
            onChange={(e) => setComputerName(e.currentTarget.value)}
          />
          <NumberInput
            label="Valid for (minutes)"
            min={1}
            max={7 * 24 * 60}
            value={minutes}
            error={errors.expiresInMinutes}
            onChange={setMinutes}
          />
          <DialogActions error={error} busy={busy} submitLabel="Create" onSubmit={create} onCancel={close} />
        </Stack>
      )}
    </Modal>
  );
}
