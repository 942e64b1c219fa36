// Create or change an e-mail channel: the SMTP server, the return address, and how it signs in — anonymously, or
// with the Run As account of a profile chosen from the profiles (the Notification Account or one made for
// external mail). Its settings hold no secret: the account's password stays with the account.
import { Alert, Checkbox, Group, Modal, NumberInput, Radio, Select, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';
import { z } from 'zod';
import { channelSchema } from '../../../../src/contract/notify-api.js';
import {
  defaultEmailTls,
  type EmailTlsMode,
  emailChannelSettingsSchema,
} from '../../../../src/contract/notify-channels.js';
import { api } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { useProfiles } from '../accounts/data.js';
import { useSubmit } from '../automation-admin/submit.js';

const NOTIFICATION_ACCOUNT = 'Steward.NotificationAccount';
const tlsLabels: Record<EmailTlsMode, string> = {
  none: 'None (plain SMTP; signing in only to a loopback server)',
  starttls: 'STARTTLS',
  implicit: 'TLS from the first byte (SMTPS)',
};

type Channel = z.infer<typeof channelSchema>;

/** What the form checks before sending: a name, and settings the e-mail channel kind accepts. */
const channelForm = z.object({
  name: z.string().trim().min(1, 'is required'),
  settings: emailChannelSettingsSchema,
});

/** The first server of an e-mail channel's settings, as the form edits it. */
function firstServer(settings: Channel['settings']): {
  host: string;
  port: number;
  tls: EmailTlsMode | null;
} {
  const [server] = Array.isArray(settings.servers) ? (settings.servers as Record<string, unknown>[]) : [];
  return {
    host: typeof server?.host === 'string' ? server.host : '',
    port: typeof server?.port === 'number' ? server.port : 25,
    tls: typeof server?.tls === 'string' ? (server.tls as EmailTlsMode) : null,
  };
}

/** With `channel`, changes that e-mail channel (its settings are replaced whole); without, makes a new one. */
export function ChannelDialog({ channel, onClose }: { channel?: Channel; onClose: () => void }) {
  const profiles = useProfiles();
  const was = channel ? firstServer(channel.settings) : undefined;
  const [name, setName] = useState(channel?.name ?? '');
  const [host, setHost] = useState(was?.host ?? '');
  const [port, setPort] = useState<number | string>(was?.port ?? 25);
  const [tls, setTls] = useState<EmailTlsMode | null>(was?.tls ?? null);
  const [from, setFrom] = useState(typeof channel?.settings.from === 'string' ? channel.settings.from : '');
  const [auth, setAuth] = useState<'account' | 'anonymous'>(
    channel?.settings.authentication === 'anonymous' ? 'anonymous' : 'account',
  );
  const [profileId, setProfileId] = useState<string | null>(
    channel ? (channel.profileId ?? NOTIFICATION_ACCOUNT) : NOTIFICATION_ACCOUNT,
  );
  const [external, setExternal] = useState(channel?.settings.external === true);
  const { errors, error, busy, run } = useSubmit();
  const create = async () => {
    // Settings this form does not show (a second server, headers, encoding…) are kept as they were.
    const settings = {
      ...(channel?.settings ?? {}),
      servers: [{ host: host.trim(), port: Number(port), ...(tls ? { tls } : {}) }],
      from: from.trim(),
      authentication: auth,
      external: auth === 'account' && external,
    };
    const profile = auth === 'account' ? profileId : null;
    const body = channel
      ? { name, profileId: profile, settings }
      : { name, kind: 'email', profileId: profile, settings };
    const saved = await run(
      { schema: channelForm, body },
      () =>
        channel
          ? api.patch(`/api/v1/notification-channels/${encodeURIComponent(channel.id)}`, body, {
              schema: channelSchema,
            })
          : api.post('/api/v1/notification-channels', body, { schema: channelSchema }),
      [['notify', 'channels']],
    );
    if (saved) onClose();
  };
  const e = (k: string) => errors[k];
  return (
    <Modal
      opened
      onClose={onClose}
      title={channel ? `Change channel ${channel.name}` : 'Create e-mail channel'}
      size="lg"
    >
      <Stack>
        <TextInput
          label="Name"
          required
          data-autofocus
          value={name}
          error={e('name') && `Name ${e('name')}`}
          onChange={(ev) => setName(ev.currentTarget.value)}
        />
        <Group align="flex-start" grow>
          <TextInput
            label="SMTP server"
            description="Host name or IP address"
            required
            value={host}
            error={e('settings.servers.0.host') ?? e('settings.servers.0') ?? e('settings.servers')}
            onChange={(ev) => setHost(ev.currentTarget.value)}
          />
          <NumberInput
            label="Port"
            min={1}
            max={65535}
            value={port}
            error={e('settings.servers.0.port')}
            onChange={setPort}
          />
        </Group>
        <Select
          label="Encryption"
          placeholder={`Default for the port: ${defaultEmailTls(Number(port) || 25, auth === 'account')}`}
          clearable
          data={Object.entries(tlsLabels).map(([value, label]) => ({ value, label }))}
          value={tls}
          error={e('settings.servers.0.tls')}
          onChange={(v) => setTls(v as EmailTlsMode | null)}
        />
        <TextInput
          label="Return address (From)"
          required
          value={from}
          error={e('settings.from') && `From ${e('settings.from')}`}
          onChange={(ev) => setFrom(ev.currentTarget.value)}
        />
        <Radio.Group
          label="Authentication"
          value={auth}
          onChange={(v) => setAuth(v as typeof auth)}
          error={e('settings.authentication')}
        >
          <Stack gap="xs" mt="xs">
            <Radio value="account" label="Sign in with the Run As account of a profile" />
            <Radio value="anonymous" label="Anonymous" />
          </Stack>
        </Radio.Group>
        {auth === 'account' ? (
          <>
            <Select
              label="Run As profile"
              description="The account associated with this profile for the notification server signs in."
              searchable
              placeholder={profiles.isPending ? 'Loading…' : 'Choose a profile'}
              data={(profiles.data ?? []).map((p) => ({ value: p.id, label: `${p.displayName} (${p.id})` }))}
              value={profileId}
              error={e('profileId') ?? (profiles.error ? 'The profiles could not be read' : undefined)}
              onChange={setProfileId}
            />
            <Checkbox
              label="External mail: one server, signed in as the account whose mailbox is the return address"
              checked={external}
              onChange={(ev) => setExternal(ev.currentTarget.checked)}
            />
          </>
        ) : (
          <Alert color="gray">
            An anonymous channel never signs in; the server must accept mail without it.
          </Alert>
        )}
        <DialogActions
          error={error}
          busy={busy}
          submitLabel={channel ? 'Save' : 'Create'}
          onSubmit={create}
          onCancel={onClose}
        />
      </Stack>
    </Modal>
  );
}
