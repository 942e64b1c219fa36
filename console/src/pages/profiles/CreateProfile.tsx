// Create Run As Profile: a display name and the unsealed management pack that keeps it (SCOM's destination
// management pack); the profile then opens in the Run As Profile wizard at its Run As Accounts step.
import { Modal, NativeSelect, Stack, Textarea, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useLocation } from 'wouter';
import { createProfileBody, profileDetailSchema } from '../../../../src/contract/packs.js';
import { api, fieldErrors, messageOf } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { issuesOf } from '../automation/forms.js';
import { usePacks } from './ProfilesPage.js';

export function CreateProfile({ onClose }: { onClose: () => void }) {
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const packs = usePacks();
  const [displayName, setDisplayName] = useState('');
  const [description, setDescription] = useState('');
  const [packId, setPackId] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const create = async () => {
    const body = { displayName, ...(description ? { description } : {}), packId };
    const checked = createProfileBody.safeParse(body);
    if (!checked.success) return setErrors(issuesOf(checked.error));
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      const p = await api.post('/api/v1/profiles', body, { schema: profileDetailSchema });
      await qc.invalidateQueries({ queryKey: ['profiles'] });
      onClose();
      navigate(`/run-as/profiles/${encodeURIComponent(p.id)}?step=accounts`);
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(messageOf(err));
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title="Create Run As Profile">
      <Stack>
        <TextInput
          label="Display name"
          required
          data-autofocus
          value={displayName}
          error={errors.displayName && `Display name ${errors.displayName}`}
          onChange={(e) => setDisplayName(e.currentTarget.value)}
        />
        <Textarea
          label="Description"
          value={description}
          error={errors.description}
          onChange={(e) => setDescription(e.currentTarget.value)}
        />
        <NativeSelect
          label="Destination management pack"
          description="Unsealed packs only: a sealed pack cannot be changed."
          required
          data={[
            { value: '', label: packs.isPending ? 'Loading…' : 'Choose a pack', disabled: true },
            ...(packs.data ?? [])
              .filter((p) => !p.sealed)
              .map((p) => ({ value: p.id, label: p.displayName })),
          ]}
          value={packId}
          error={
            (errors.packId && `Pack ${errors.packId}`) ??
            (packs.error ? 'The packs could not be read' : undefined)
          }
          onChange={(e) => setPackId(e.currentTarget.value)}
        />
        <DialogActions error={error} busy={busy} submitLabel="Create" onSubmit={create} onCancel={onClose} />
      </Stack>
    </Modal>
  );
}
