// The dialogs that create an asset or change one in place (its name fixed, what may be read filled in). Secret
// parts (an encrypted variable's value, a password, a PFX and its password, encrypted connection fields) go in
// password inputs, are sent once and never read back: a change asks for them again. The connection dialog is in
// ConnectionDialog.tsx.
import { Checkbox, FileInput, Modal, PasswordInput, Select, Stack, Textarea, TextInput } from '@mantine/core';
import { useState } from 'react';
import { setCredentialBody } from '../../../../src/contract/automation-assets.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { AGAIN, type DialogProps, useAssetForm } from './asset-form.js';

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
