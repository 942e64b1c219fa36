// The dialogs that create an asset or change one in place (its name fixed, what may be read filled in). Secret
// parts (an encrypted variable's value, a password, a PFX and its password, encrypted connection fields) go in
// password inputs, are sent once and never read back: a change asks for them again.
import {
  Checkbox,
  FileInput,
  Modal,
  PasswordInput,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import { z } from 'zod';
import {
  type Asset,
  type AssetKind,
  assetCollections,
  assetNameSchema,
  assetSchema,
  setConnectionBody,
  setCredentialBody,
} from '../../../../src/contract/automation-assets.js';
import type { ConnectionFieldType } from '../../../../src/domain/automation/connection-fields.js';
import { api } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { useConnectionTypes } from './data.js';
import { useSubmit } from './submit.js';

const enc = encodeURIComponent;

/** The asset's name and description, and the PUT that creates it or (`existing`) replaces it in place. */
function useAssetForm(accountId: string, kind: AssetKind, existing: Asset | undefined) {
  const [name, setName] = useState(existing?.name ?? '');
  const [description, setDescription] = useState(existing?.description ?? '');
  const submit = useSubmit();
  /** `schema` null: the contract's check needs Node's Buffer, so the API alone checks this one. */
  const save = async (schema: z.ZodType | null, fields: Record<string, unknown>) => {
    const body = { ...(description ? { description } : {}), ...fields };
    // The name is in the path, not the body: the contract's rule for it is checked here first.
    if (!assetNameSchema.safeParse(name).success)
      return submit.run(
        { schema: z.object({ name: assetNameSchema }), body: { name } },
        async () => undefined,
      );
    return submit.run(
      schema ? { schema, body } : null,
      () =>
        api.put(
          `/api/v1/automation-accounts/${enc(accountId)}/${assetCollections[kind]}/${enc(name)}`,
          body,
          {
            schema: assetSchema,
          },
        ),
      [['assets', accountId, kind]],
    );
  };
  const fields = (
    <>
      <TextInput
        label="Name"
        required
        data-autofocus={existing ? undefined : true}
        readOnly={!!existing}
        description={existing ? 'An asset keeps its name: runbooks read it by name.' : undefined}
        value={name}
        error={submit.errors.name && `Name ${submit.errors.name}`}
        onChange={(e) => setName(e.currentTarget.value)}
      />
      <Textarea
        label="Description"
        value={description}
        error={submit.errors.description}
        onChange={(e) => setDescription(e.currentTarget.value)}
      />
    </>
  );
  const labels = existing
    ? { title: (what: string) => `Change ${what} ${existing.name}`, submit: 'Save' }
    : { title: (what: string) => `Add ${what}`, submit: 'Create' };
  return { submit, save, fields, labels };
}

type DialogProps<K extends AssetKind = AssetKind> = {
  accountId: string;
  onClose: () => void;
  /** The asset to change in place; none: a new one. */
  existing?: Extract<Asset, { kind: K }>;
};

/** Written again in full by a change: the old value is never read back. */
const AGAIN = 'Write-only: enter it again to keep it, or a new one; never shown again.';

export function VariableDialog({ accountId, onClose, existing }: DialogProps<'variable'>) {
  const form = useAssetForm(accountId, 'variable', existing);
  const known = existing && !existing.encrypted ? existing.value : undefined;
  const [type, setType] = useState<'string' | 'json'>(
    known === undefined || typeof known === 'string' ? 'string' : 'json',
  );
  const [value, setValue] = useState(
    known === undefined ? '' : typeof known === 'string' ? known : JSON.stringify(known),
  );
  const [encrypted, setEncrypted] = useState(existing?.encrypted ?? false);
  const [jsonError, setJsonError] = useState<string | undefined>();
  const save = async () => {
    let parsed: unknown = value;
    if (type === 'json') {
      try {
        parsed = JSON.parse(value);
      } catch {
        return setJsonError('Value must be JSON (a number, true, "text", [ … ] or { … })');
      }
    }
    setJsonError(undefined);
    const done = await form.save(null, { encrypted, value: parsed });
    if (done) {
      setValue('');
      onClose();
    }
  };
  const Input = encrypted ? PasswordInput : type === 'json' ? Textarea : TextInput;
  return (
    <Modal opened onClose={onClose} title={form.labels.title('variable')}>
      <Stack>
        {form.fields}
        <Select
          label="Type"
          data={[
            { value: 'string', label: 'Text' },
            { value: 'json', label: 'JSON (number, boolean, list, object)' },
          ]}
          value={type}
          allowDeselect={false}
          onChange={(v) => v && setType(v as 'string' | 'json')}
        />
        <Input
          label="Value"
          description={existing?.encrypted ? AGAIN : undefined}
          autoComplete={encrypted ? 'new-password' : undefined}
          spellCheck={false}
          value={value}
          error={jsonError ?? form.submit.errors.value}
          onChange={(e) => setValue(e.currentTarget.value)}
        />
        <Checkbox
          label="Encrypted"
          description="Sealed and write-only: never shown again, and it cannot be made plain later."
          disabled={existing?.encrypted}
          checked={encrypted}
          onChange={(e) => setEncrypted(e.currentTarget.checked)}
        />
        <DialogActions
          error={form.submit.error}
          busy={form.submit.busy}
          submitLabel={form.labels.submit}
          onSubmit={save}
          onCancel={onClose}
        />
      </Stack>
    </Modal>
  );
}

export function CredentialDialog({ accountId, onClose, existing }: DialogProps<'credential'>) {
  const form = useAssetForm(accountId, 'credential', existing);
  const [userName, setUserName] = useState(existing?.userName ?? '');
  const [password, setPassword] = useState('');
  const save = async () => {
    const done = await form.save(setCredentialBody, { userName, password });
    if (done) {
      setPassword('');
      onClose();
    }
  };
  return (
    <Modal opened onClose={onClose} title={form.labels.title('credential')}>
      <Stack>
        {form.fields}
        <TextInput
          label="User name"
          required
          autoComplete="off"
          value={userName}
          error={form.submit.errors.userName}
          onChange={(e) => setUserName(e.currentTarget.value)}
        />
        <PasswordInput
          label="Password"
          description={existing ? AGAIN : 'Write-only: never shown again.'}
          required
          autoComplete="new-password"
          value={password}
          error={form.submit.errors.password}
          onChange={(e) => setPassword(e.currentTarget.value)}
        />
        <DialogActions
          error={form.submit.error}
          busy={form.submit.busy}
          submitLabel={form.labels.submit}
          onSubmit={save}
          onCancel={onClose}
        />
      </Stack>
    </Modal>
  );
}

const base64Of = async (file: File) => {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
};

export function CertificateDialog({ accountId, onClose, existing }: DialogProps<'certificate'>) {
  const form = useAssetForm(accountId, 'certificate', existing);
  const [file, setFile] = useState<File | null>(null);
  const [password, setPassword] = useState('');
  const [exportable, setExportable] = useState(false);
  const save = async () => {
    const pfxBase64 = file ? await base64Of(file) : '';
    const done = await form.save(null, {
      format: 'pfx',
      exportable,
      pfxBase64,
      ...(password ? { password } : {}),
    });
    if (done) {
      setPassword('');
      onClose();
    }
  };
  return (
    <Modal
      opened
      onClose={onClose}
      title={existing ? `Replace certificate ${existing.name}` : 'Upload certificate'}
    >
      <Stack>
        {form.fields}
        <FileInput
          label="PFX file (.pfx, .p12)"
          required
          accept=".pfx,.p12,application/x-pkcs12"
          value={file}
          error={form.submit.errors.pfxBase64}
          onChange={setFile}
        />
        <PasswordInput
          label="PFX password"
          description="Write-only: used to open the file, never shown again."
          autoComplete="new-password"
          value={password}
          error={form.submit.errors.password}
          onChange={(e) => setPassword(e.currentTarget.value)}
        />
        <Checkbox
          label="Exportable"
          description="Runbooks may export the private key."
          checked={exportable}
          onChange={(e) => setExportable(e.currentTarget.checked)}
        />
        <DialogActions
          error={form.submit.error}
          busy={form.submit.busy}
          submitLabel={existing ? 'Replace' : 'Upload'}
          onSubmit={save}
          onCancel={onClose}
        />
      </Stack>
    </Modal>
  );
}

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
