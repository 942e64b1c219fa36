// Asks before deleting something, and shows the API's refusal if it says no.
import { Modal, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { DialogActions } from '../../components/dialog-actions.js';
import { useSubmit } from './submit.js';

export function ConfirmDelete(p: {
  title: string;
  children: ReactNode;
  submitLabel?: string;
  onConfirm: () => Promise<unknown>;
  invalidate: readonly (readonly unknown[])[];
  onClose: () => void;
}) {
  const submit = useSubmit();
  const confirm = async () => {
    const done = await submit.run(
      null,
      async () => {
        await p.onConfirm();
        return true;
      },
      p.invalidate,
    );
    if (done) p.onClose();
  };
  return (
    <Modal opened onClose={p.onClose} title={p.title}>
      <Stack>
        <Text size="sm">{p.children}</Text>
        <DialogActions
          error={submit.error}
          busy={submit.busy}
          submitLabel={p.submitLabel ?? 'Delete'}
          onSubmit={confirm}
          onCancel={p.onClose}
        />
      </Stack>
    </Modal>
  );
}
