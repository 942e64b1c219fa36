// The dialog that adds a connection or changes one in place: its type (fixed once it exists) and a field for each
// of the type's fields; an encrypted field goes in a password input and is asked for again on a change.
import { Checkbox, Modal, PasswordInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { setConnectionBody } from '../../../../src/contract/automation-assets.js';
import type { ConnectionFieldType } from '../../../../src/domain/automation/connection-fields.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { AGAIN, type DialogProps, useAssetForm } from './asset-form.js';
import { useConnectionTypes } from './data.js';

/** What the API takes for a field: an int as a number when it is one (else as typed, for the API to name the field). */
const fieldValueOf = (type: ConnectionFieldType, text: string) =>
  type === 'bool' ? text === 'true' : type === 'int' && /^-?\d+$/.test(text.trim()) ? Number(text) : text;

export function ConnectionDialog({ accountId, onClose, existing }: DialogProps<'connection'>) {
  const form = useAssetForm(accountId, 'connection', existing);
  const types = useConnectionTypes(accountId);
  const [typeName, setTypeName] = useState<string | null>(existing?.connectionType ?? null);
  const [values, setValues] = useState<Record<string, string>>(
    Object.fromEntries(Object.entries(existing?.fieldValues ?? {}).map(([k, v]) => [k, String(v)])),
  );
  const type = types.data?.find((t) => t.name === typeName);
  const save = async () => {
    if (!type) return;
    const fieldValues: Record<string, string | number | boolean> = {};
    for (const f of type.fields) {
      const v = values[f.name] ?? '';
      // A bool is always sent: an unticked box is false, not a missing value.
      if (v === '' && f.type !== 'bool') continue;
      fieldValues[f.name] = fieldValueOf(f.type, v);
    }
    const done = await form.save(setConnectionBody, { connectionType: type.name, fieldValues });
    if (done) {
      setValues({});
      onClose();
    }
  };
  const set = (name: string, v: string) => setValues({ ...values, [name]: v });
  return (
    <Modal opened onClose={onClose} title={form.labels.title('connection')} size="lg">
      <Stack>
        {form.fields}
        <Select
          label="Connection type"
          required
          data={(types.data ?? []).map((t) => ({ value: t.name, label: t.name }))}
          value={typeName}
          readOnly={!!existing}
          description={type?.description || undefined}
          error={types.error ? 'The connection types could not be read.' : form.submit.errors.connectionType}
          onChange={(v) => {
            setTypeName(v);
            setValues({});
          }}
        />
        {type?.fields.map((f) => {
          const error = form.submit.errors[`fieldValues.${f.name}`];
          if (f.type === 'bool')
            return (
              <Checkbox
                key={f.name}
                label={`${f.name}${f.optional ? ' (optional)' : ''}`}
                description={`bool: ticked is true${f.encrypted ? `; encrypted: ${existing ? AGAIN : 'never shown again'}` : ''}`}
                checked={values[f.name] === 'true'}
                error={error}
                onChange={(e) => set(f.name, String(e.currentTarget.checked))}
              />
            );
          const Input = f.encrypted ? PasswordInput : TextInput;
          return (
            <Input
              key={f.name}
              label={`${f.name}${f.optional ? ' (optional)' : ''}`}
              description={`${f.type}${f.encrypted ? `, encrypted: ${existing ? AGAIN : 'never shown again'}` : ''}`}
              autoComplete={f.encrypted ? 'new-password' : 'off'}
              inputMode={f.type === 'int' ? 'numeric' : undefined}
              spellCheck={false}
              value={values[f.name] ?? ''}
              error={error}
              onChange={(e) => set(f.name, e.currentTarget.value)}
            />
          );
        })}
        {type ? null : (
          <Text size="sm" c="dimmed">
            Choose a type: its fields follow.
          </Text>
        )}
        <DialogActions
          error={form.submit.error}
          busy={form.submit.busy}
          submitLabel={form.labels.submit}
          onSubmit={save}
          onCancel={onClose}
          disabled={!type}
        />
      </Stack>
    </Modal>
  );
}
