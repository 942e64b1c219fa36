// Administration › API tokens: your tokens (everyone's for administrators), a new one shown once, and revoking.
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  CopyButton,
  Group,
  Modal,
  NumberInput,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { createTokenBody, issuedTokenSchema } from '../../../../src/contract/auth.js';
import { api, fieldErrors, messageOf } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { ListTable, RowActions } from '../../components/list-section.js';
import { Page } from '../../components/page.js';
import { Empty } from '../../components/states.js';
import { usePermission, useSession } from '../../session.js';
import { when } from '../automation/data.js';
import { issuesOf } from '../automation/forms.js';
import { useTokens, useUsers } from './data.js';

export default function TokensPage() {
  const qc = useQueryClient();
  const { user } = useSession();
  const admin = usePermission('users.manage');
  const [all, setAll] = useState(false);
  const tokens = useTokens(all && admin.allowed);
  const users = useUsers(admin.allowed);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const owner = (id: string) =>
    id === user.id ? `${user.username} (you)` : (users.data?.find((u) => u.id === id)?.username ?? id);
  const revoke = async (id: string, name: string) => {
    if (!window.confirm(`Revoke the token ${name}? Whatever uses it is refused from now on.`)) return;
    setError(null);
    try {
      await api.delete(`/api/v1/tokens/${encodeURIComponent(id)}`);
      await qc.invalidateQueries({ queryKey: ['tokens'] });
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <Page
      title="API tokens"
      description="Tokens for the CLI and scripts. A new token is shown once; Steward keeps only its hash."
      actions={<Button onClick={() => setCreating(true)}>Create token</Button>}
    >
      {admin.allowed ? (
        <Checkbox
          label="Show every user's tokens"
          checked={all}
          onChange={(e) => setAll(e.currentTarget.checked)}
        />
      ) : null}
      {error ? (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      ) : null}
      <ListTable
        query={tokens}
        empty={<Empty title="No tokens" />}
        label="API tokens"
        minWidth={820}
        columns={['Name', 'User', 'Created', 'Expires', 'Last used']}
        rowKey={(t) => t.id}
        cells={(t) => [t.name, owner(t.userId), when(t.createdAt), when(t.expiresAt), when(t.lastUsedAt)]}
        rowActions={(t) =>
          t.revokedAt ? (
            <Badge variant="dot" color="gray">
              Revoked {when(t.revokedAt)}
            </Badge>
          ) : (
            <RowActions
              size="xs"
              name={`token ${t.name}`}
              deleteLabel="Revoke"
              onDelete={() => void revoke(t.id, t.name)}
            />
          )
        }
      />
      {creating ? <CreateToken onClose={() => setCreating(false)} /> : null}
    </Page>
  );
}

function CreateToken({ onClose }: { onClose: () => void }) {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [days, setDays] = useState<number | string>(90);
  const [issued, setIssued] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const create = async () => {
    const body = { name, ...(days === '' ? {} : { expiresInDays: Number(days) }) };
    const checked = createTokenBody.safeParse(body);
    if (!checked.success) return setErrors(issuesOf(checked.error));
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      const r = await api.post('/api/v1/tokens', body, { schema: issuedTokenSchema });
      setIssued(r.token);
      await qc.invalidateQueries({ queryKey: ['tokens'] });
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(messageOf(err));
    }
    setBusy(false);
  };
  // Closing forgets the token: it is never shown again.
  const close = () => {
    setIssued(null);
    onClose();
  };
  return (
    <Modal opened onClose={close} title="Create token">
      {issued ? (
        <Stack>
          <Alert color="yellow">
            <Text fw={700} size="sm">
              Copy the token now
            </Text>
            <Text size="sm">
              It is shown this once. Steward keeps only its hash and cannot show it again.
            </Text>
          </Alert>
          <TextInput label="Token" readOnly value={issued} onFocus={(e) => e.currentTarget.select()} />
          <Group justify="flex-end">
            <CopyButton value={issued}>
              {({ copied, copy }) => (
                <Button variant="default" onClick={copy}>
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <Stack>
          <TextInput
            label="Name"
            required
            data-autofocus
            value={name}
            error={errors.name && `Name ${errors.name}`}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <NumberInput
            label="Expires in (days)"
            min={1}
            max={3650}
            value={days}
            error={errors.expiresInDays}
            onChange={setDays}
          />
          <DialogActions error={error} busy={busy} submitLabel="Create" onSubmit={create} onCancel={close} />
        </Stack>
      )}
    </Modal>
  );
}
