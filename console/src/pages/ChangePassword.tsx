// The first sign-in with a one-time password: choose a new password before anything else.
import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { changePasswordResponse, type Session } from '../../../src/contract/auth.js';
import { api, fieldErrors, messageOf } from '../api.js';
import { loadSession, useSetSession } from '../session.js';

export function ChangePassword({ session }: { session: Session }) {
  const setSession = useSetSession();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [repeat, setRepeat] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = 'Choose a new password · Steward';
  }, []);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setErrors({});
    setError(null);
    if (newPassword !== repeat) {
      setErrors({ repeat: 'does not match the new password' });
      return;
    }
    setBusy(true);
    try {
      await api.post(
        '/api/v1/me/password',
        { currentPassword, newPassword },
        { schema: changePasswordResponse },
      );
      setSession(await loadSession());
    } catch (err) {
      const fields = fieldErrors(err);
      setErrors(fields);
      if (Object.keys(fields).length === 0) setError(messageOf(err));
      setBusy(false);
    }
  };
  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={440}>
        <form onSubmit={submit}>
          <Stack>
            <Title order={1} size="h3">
              Choose a new password
            </Title>
            <Text size="sm" c="dimmed">
              {session.user.displayName}, you signed in with a one-time password. Choose your own before you
              go on; your other sessions and tokens end with the change.
            </Text>
            {error ? (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            ) : null}
            <PasswordInput
              label="One-time (current) password"
              autoComplete="current-password"
              required
              value={currentPassword}
              error={errors.currentPassword && `Current password ${errors.currentPassword}`}
              onChange={(e) => setCurrent(e.currentTarget.value)}
            />
            <PasswordInput
              label="New password"
              description="At least 12 characters"
              autoComplete="new-password"
              required
              value={newPassword}
              error={errors.newPassword && `New password ${errors.newPassword}`}
              onChange={(e) => setNew(e.currentTarget.value)}
            />
            <PasswordInput
              label="Repeat the new password"
              autoComplete="new-password"
              required
              value={repeat}
              error={errors.repeat && `The repeated password ${errors.repeat}`}
              onChange={(e) => setRepeat(e.currentTarget.value)}
            />
            <Button type="submit" loading={busy}>
              Change password
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
