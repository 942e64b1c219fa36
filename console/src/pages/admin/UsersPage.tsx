// Administration › Users: every user and role; create one, change a role, disable, or reset a password (a new
// one-time password the user must change at the next sign-in).
import { Alert, Badge, Button, Group, Modal, PasswordInput, Select, Stack, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { createUserBody, type User, updateUserBody, userSchema } from '../../../../src/contract/auth.js';
import { type Role, roleNames, roles } from '../../../../src/domain/roles.js';
import { api, fieldErrors, messageOf } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { ListTable } from '../../components/list-section.js';
import { Page } from '../../components/page.js';
import { Empty } from '../../components/states.js';
import { usePermission, useSession } from '../../session.js';
import { when } from '../automation/data.js';
import { issuesOf } from '../automation/forms.js';
import { useUsers } from './data.js';

const roleOptions = roles.map((r) => ({ value: r, label: roleNames[r] }));

export default function UsersPage() {
  const manage = usePermission('users.manage');
  const users = useUsers(manage.allowed);
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'reset'; user: User } | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  return (
    <Page
      title="Users and roles"
      description="Who may sign in, and what their role lets them do."
      actions={
        manage.allowed ? <Button onClick={() => setDialog({ kind: 'create' })}>Create user</Button> : null
      }
    >
      {manage.allowed ? (
        <>
          {message ? (
            <Alert color={message.ok ? 'green' : 'red'} role={message.ok ? 'status' : 'alert'}>
              {message.text}
            </Alert>
          ) : null}
          <UsersTable
            query={users}
            onMessage={setMessage}
            onReset={(user) => setDialog({ kind: 'reset', user })}
          />
        </>
      ) : (
        <Alert color="gray">{manage.reason}</Alert>
      )}
      {dialog?.kind === 'create' ? <CreateUser onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'reset' ? (
        <ResetPassword
          user={dialog.user}
          onClose={(done) => {
            setDialog(null);
            if (done)
              setMessage({
                ok: true,
                text: `${dialog.user.username} must choose a new password at the next sign-in.`,
              });
          }}
        />
      ) : null}
    </Page>
  );
}

function UsersTable({
  query,
  onMessage,
  onReset,
}: {
  query: ReturnType<typeof useUsers>;
  onMessage: (m: { ok: boolean; text: string } | null) => void;
  onReset: (u: User) => void;
}) {
  const qc = useQueryClient();
  const { user: me } = useSession();
  const change = async (u: User, patch: { role?: Role; disabled?: boolean }, done: string) => {
    onMessage(null);
    try {
      await api.patch(`/api/v1/users/${encodeURIComponent(u.id)}`, patch, { schema: userSchema });
      await qc.invalidateQueries({ queryKey: ['users'] });
      onMessage({ ok: true, text: done });
    } catch (err) {
      onMessage({ ok: false, text: messageOf(err) });
    }
  };
  return (
    <ListTable
      query={query}
      empty={<Empty title="No users" />}
      label="Users"
      minWidth={860}
      columns={['User name', 'Display name', 'Role', 'Status', 'Created']}
      rowKey={(u) => u.id}
      cells={(u) => [
        u.username,
        u.displayName,
        <Select
          key="r"
          aria-label={`Role of ${u.username}`}
          data={roleOptions}
          value={u.role}
          allowDeselect={false}
          size="xs"
          w={200}
          onChange={(v) =>
            v && v !== u.role
              ? void change(u, { role: v as Role }, `${u.username} is now ${roleNames[v as Role]}.`)
              : undefined
          }
        />,
        <UserStatus key="s" user={u} />,
        when(u.createdAt),
      ]}
      rowActions={(u) => (
        <Group gap={4} wrap="nowrap">
          <Button
            size="xs"
            variant="subtle"
            aria-label={`Reset password of ${u.username}`}
            onClick={() => onReset(u)}
          >
            Reset password
          </Button>
          {u.id === me.id ? null : (
            <Button
              size="xs"
              variant="subtle"
              color={u.disabled ? 'blue' : 'red'}
              aria-label={`${u.disabled ? 'Enable' : 'Disable'} ${u.username}`}
              onClick={() =>
                void change(
                  u,
                  { disabled: !u.disabled },
                  `${u.username} is ${u.disabled ? 'enabled' : 'disabled'}.`,
                )
              }
            >
              {u.disabled ? 'Enable' : 'Disable'}
            </Button>
          )}
        </Group>
      )}
    />
  );
}

function UserStatus({ user: u }: { user: User }) {
  if (u.disabled)
    return (
      <Badge variant="dot" color="gray">
        Disabled
      </Badge>
    );
  if (u.mustChangePassword)
    return (
      <Badge variant="dot" color="orange">
        Must change password
      </Badge>
    );
  return (
    <Badge variant="dot" color="green">
      Active
    </Badge>
  );
}

function CreateUser({ onClose }: { onClose: () => void }) {
  const qc = useQueryClient();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const create = async () => {
    const body = { username, ...(displayName ? { displayName } : {}), role, password };
    const checked = createUserBody.safeParse(body);
    if (!checked.success) return setErrors(issuesOf(checked.error));
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      await api.post('/api/v1/users', body, { schema: userSchema });
      await qc.invalidateQueries({ queryKey: ['users'] });
      onClose();
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(messageOf(err));
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title="Create user">
      <Stack>
        <TextInput
          label="User name"
          required
          data-autofocus
          value={username}
          error={errors.username && `User name ${errors.username}`}
          onChange={(e) => setUsername(e.currentTarget.value)}
        />
        <TextInput
          label="Display name"
          value={displayName}
          error={errors.displayName}
          onChange={(e) => setDisplayName(e.currentTarget.value)}
        />
        <Select
          label="Role"
          data={roleOptions}
          value={role}
          allowDeselect={false}
          error={errors.role}
          onChange={(v) => setRole((v ?? 'operator') as Role)}
        />
        <PasswordInput
          label="One-time password"
          description="Tell it to the user: they choose their own at the first sign-in."
          required
          autoComplete="new-password"
          value={password}
          error={errors.password && `Password ${errors.password}`}
          onChange={(e) => setPassword(e.currentTarget.value)}
        />
        <DialogActions error={error} busy={busy} submitLabel="Create" onSubmit={create} onCancel={onClose} />
      </Stack>
    </Modal>
  );
}

function ResetPassword({ user, onClose }: { user: User; onClose: (done: boolean) => void }) {
  const qc = useQueryClient();
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reset = async () => {
    const body = { password };
    const checked = updateUserBody.safeParse(body);
    if (!checked.success) return setErrors(issuesOf(checked.error));
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      await api.patch(`/api/v1/users/${encodeURIComponent(user.id)}`, body, { schema: userSchema });
      await qc.invalidateQueries({ queryKey: ['users'] });
      onClose(true);
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(messageOf(err));
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={() => onClose(false)} title={`Reset the password of ${user.username}`}>
      <Stack>
        <PasswordInput
          label="New one-time password"
          description="The user must change it at the next sign-in."
          required
          data-autofocus
          autoComplete="new-password"
          value={password}
          error={errors.password && `Password ${errors.password}`}
          onChange={(e) => setPassword(e.currentTarget.value)}
        />
        <DialogActions
          error={error}
          busy={busy}
          submitLabel="Reset password"
          onSubmit={reset}
          onCancel={() => onClose(false)}
        />
      </Stack>
    </Modal>
  );
}
