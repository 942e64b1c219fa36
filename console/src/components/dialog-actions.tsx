// The foot of a dialog that submits: the API's refusal, if any, then Cancel and the action.
import { Alert, Button, Group } from '@mantine/core';

export function DialogActions(p: {
  /** The refusal of the last attempt, shown above the buttons. */
  error: string | null;
  busy: boolean;
  submitLabel: string;
  onSubmit: () => void;
  onCancel: () => void;
  disabled?: boolean;
}) {
  return (
    <>
      {p.error ? (
        <Alert color="red" role="alert">
          {p.error}
        </Alert>
      ) : null}
      <Group justify="flex-end">
        <Button variant="default" onClick={p.onCancel}>
          Cancel
        </Button>
        <Button onClick={p.onSubmit} loading={p.busy} disabled={p.disabled}>
          {p.submitLabel}
        </Button>
      </Group>
    </>
  );
}
