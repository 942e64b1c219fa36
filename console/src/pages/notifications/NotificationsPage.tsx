// Notifications: channels (administrators), subscribers with their weekly schedules, subscriptions with their
// criteria, and deliveries with the dead letters — each on a tab.
import { Alert, Badge, Button, Group, Tabs, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearch } from 'wouter';
import type { z } from 'zod';
import type {
  channelSchema,
  subscriberSchema,
  subscriptionSchema,
} from '../../../../src/contract/notify-api.js';
import { emailServerSchema } from '../../../../src/contract/notify-channels.js';
import { api, messageOf } from '../../api.js';
import { ListTable, RowActions } from '../../components/list-section.js';
import { Page } from '../../components/page.js';
import { Empty } from '../../components/states.js';
import { rolesThatMay, usePermission, useSession } from '../../session.js';
import { useProfiles } from '../accounts/data.js';
import { ChannelDialog } from './ChannelDialog.js';
import { DeliveriesTab } from './DeliveriesTab.js';
import { nameOf, useChannels, useSubscribers, useSubscriptions } from './data.js';
import { kindLabels, SubscriberDialog } from './SubscriberDialog.js';
import { SubscriptionDialog } from './SubscriptionDialog.js';
import { scheduleSummary } from './schedule-grid.js';

export default function NotificationsPage() {
  const read = usePermission('notify.subscriptions');
  const tab = new URLSearchParams(useSearch()).get('tab') ?? 'channels';
  return (
    <Page title="Notifications" description="Who is told of which alerts, when, and through which channel.">
      {read.allowed ? (
        <Tabs defaultValue={tab} keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="channels">Channels</Tabs.Tab>
            <Tabs.Tab value="subscribers">Subscribers</Tabs.Tab>
            <Tabs.Tab value="subscriptions">Subscriptions</Tabs.Tab>
            <Tabs.Tab value="deliveries">Deliveries</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="channels" pt="md">
            <Channels />
          </Tabs.Panel>
          <Tabs.Panel value="subscribers" pt="md">
            <Subscribers />
          </Tabs.Panel>
          <Tabs.Panel value="subscriptions" pt="md">
            <Subscriptions />
          </Tabs.Panel>
          <Tabs.Panel value="deliveries" pt="md">
            <DeliveriesTab />
          </Tabs.Panel>
        </Tabs>
      ) : (
        // Not an error: the role simply has no part in notification settings (SCOM keeps them in Administration).
        <Alert color="gray" role="status" title="Notification settings are kept by other roles">
          Channels, subscribers and subscriptions are set up by the {rolesThatMay('notify.subscriptions')}{' '}
          roles. {read.reason}
        </Alert>
      )}
    </Page>
  );
}

function useRemove(kind: 'channels' | 'subscribers' | 'subscriptions') {
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const remove = async (id: string, name: string) => {
    if (!window.confirm(`Delete ${name}?`)) return;
    setError(null);
    try {
      await api.delete(`/api/v1/notification-${kind}/${encodeURIComponent(id)}`);
      await qc.invalidateQueries({ queryKey: ['notify', kind] });
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return { error, remove };
}

const serversOf = (settings: Record<string, unknown>) => {
  const servers = emailServerSchema.array().safeParse(settings.servers);
  return servers.success ? servers.data.map((s) => `${s.host}:${s.port}`).join(', ') : '—';
};

function Channels() {
  const admin = usePermission('notify.channels');
  const channels = useChannels();
  const profiles = useProfiles();
  const [opened, setOpened] = useState(false);
  const [changing, setChanging] = useState<z.infer<typeof channelSchema> | null>(null);
  const { error, remove } = useRemove('channels');
  const profileName = (id: string | null) =>
    id === null ? 'Anonymous' : (profiles.data?.find((p) => p.id === id)?.displayName ?? id);
  return (
    <>
      <Group justify="space-between" mb="sm">
        <Text c="dimmed">E-mail, instant message, text message, Teams and command channels.</Text>
        {admin.allowed ? <Button onClick={() => setOpened(true)}>Create e-mail channel</Button> : null}
      </Group>
      {admin.allowed ? null : (
        <Alert color="gray" mb="sm">
          {admin.reason}
        </Alert>
      )}
      {error ? (
        <Alert color="red" role="alert" mb="sm">
          {error}
        </Alert>
      ) : null}
      <ListTable
        query={channels}
        empty={
          <Empty title="No channels yet">
            An administrator creates the channels notifications go through.
          </Empty>
        }
        label="Channels"
        minWidth={820}
        columns={['Name', 'Kind', 'Server', 'From', 'Signs in with', 'Health']}
        rowKey={(c) => c.id}
        cells={(c) => [
          `${c.name}${c.enabled ? '' : ' (disabled)'}`,
          kindLabels[c.kind],
          c.kind === 'email' ? serversOf(c.settings) : '—',
          typeof c.settings.from === 'string' ? c.settings.from : '—',
          c.settings.authentication === 'anonymous' ? 'Anonymous' : profileName(c.profileId),
          c.health.state === 'ok' ? (
            <Badge key="h" variant="dot" color="green">
              OK
            </Badge>
          ) : (
            <Badge key="h" variant="dot" color="red" title={c.health.reason}>
              Paused: {c.health.cause}
            </Badge>
          ),
        ]}
        rowActions={
          admin.allowed
            ? (c) => (
                <RowActions
                  size="xs"
                  name={`channel ${c.name}`}
                  onChange={c.kind === 'email' ? () => setChanging(c) : undefined}
                  onDelete={() => void remove(c.id, c.name)}
                />
              )
            : undefined
        }
      />
      {opened ? <ChannelDialog onClose={() => setOpened(false)} /> : null}
      {changing ? <ChannelDialog channel={changing} onClose={() => setChanging(null)} /> : null}
    </>
  );
}

type Subscriber = z.infer<typeof subscriberSchema>;

function Subscribers() {
  const { user } = useSession();
  const admin = usePermission('users.manage');
  const subscribers = useSubscribers();
  const [editing, setEditing] = useState<Subscriber | 'new' | null>(null);
  const { error, remove } = useRemove('subscribers');
  const mayChange = (s: Subscriber) => admin.allowed || s.createdBy === user.id;
  return (
    <>
      <Group justify="space-between" mb="sm">
        <Text c="dimmed">People and teams, their addresses, and the hours they may be notified.</Text>
        <Button onClick={() => setEditing('new')}>Create subscriber</Button>
      </Group>
      {error ? (
        <Alert color="red" role="alert" mb="sm">
          {error}
        </Alert>
      ) : null}
      <ListTable
        query={subscribers}
        empty={<Empty title="No subscribers yet">Create one with an address and a weekly schedule.</Empty>}
        label="Subscribers"
        columns={['Name', 'Addresses', 'Schedule']}
        rowKey={(s) => s.id}
        cells={(s) => [
          s.name,
          s.addresses.map((a) => `${kindLabels[a.kind]}: ${a.address}`).join(', '),
          scheduleSummary(s.schedule),
        ]}
        rowActions={(s) =>
          mayChange(s) ? (
            <RowActions
              size="xs"
              name={`subscriber ${s.name}`}
              onChange={() => setEditing(s)}
              onDelete={() => void remove(s.id, s.name)}
            />
          ) : (
            <Text size="xs" c="dimmed">
              Only its creator or an administrator changes it
            </Text>
          )
        }
      />
      {editing ? (
        <SubscriberDialog
          subscriber={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
        />
      ) : null}
    </>
  );
}

/** The criteria of a subscription in a few words. */
function criteriaSummary(c: Record<string, unknown>): string {
  const parts: string[] = [];
  const list = (k: string) => (Array.isArray(c[k]) ? (c[k] as unknown[]).map(String) : []);
  if (list('severities').length) parts.push(`severity ${list('severities').join(' or ')}`);
  if (list('priorities').length) parts.push(`priority ${list('priorities').join(' or ')}`);
  if (list('resolutionStates').length)
    parts.push(
      `state ${list('resolutionStates')
        .map((s) => (s === '0' ? 'New' : s === '255' ? 'Closed' : s))
        .join(' or ')}`,
    );
  if (list('classIds').length) parts.push(`class ${list('classIds').join(' or ')}`);
  if (list('groupIds').length) parts.push(`group ${list('groupIds').join(' or ')}`);
  if (list('workflowIds').length) parts.push(`workflow ${list('workflowIds').join(' or ')}`);
  const text = Array.isArray(c.text) ? (c.text as { field: string; op: string; value: string }[]) : [];
  for (const t of text) parts.push(`${t.field} ${t.op} "${t.value}"`);
  return parts.length ? parts.join('; ') : 'Every alert';
}

function Subscriptions() {
  const subscriptions = useSubscriptions();
  const subscribers = useSubscribers();
  const channels = useChannels();
  const [opened, setOpened] = useState(false);
  const [changing, setChanging] = useState<z.infer<typeof subscriptionSchema> | null>(null);
  const { error, remove } = useRemove('subscriptions');
  return (
    <>
      <Group justify="space-between" mb="sm">
        <Text c="dimmed">Which alerts reach which subscribers, through which channels.</Text>
        <Button onClick={() => setOpened(true)}>Create subscription</Button>
      </Group>
      {error ? (
        <Alert color="red" role="alert" mb="sm">
          {error}
        </Alert>
      ) : null}
      <ListTable
        query={subscriptions}
        empty={<Empty title="No subscriptions yet">Create one to send matching alerts to subscribers.</Empty>}
        label="Subscriptions"
        minWidth={820}
        columns={['Name', 'Criteria', 'To', 'Channels', 'Enabled']}
        rowKey={(s) => s.id}
        cells={(s) => [
          s.name,
          `${criteriaSummary(s.criteria)}${s.delaySeconds ? `; after ${s.delaySeconds} s` : ''}`,
          s.to.map((id) => nameOf(subscribers.data, id)).join(', '),
          s.channelIds.map((id) => nameOf(channels.data, id)).join(', '),
          s.enabled ? 'Yes' : 'No',
        ]}
        rowActions={(s) => (
          <RowActions
            size="xs"
            name={`subscription ${s.name}`}
            onChange={() => setChanging(s)}
            onDelete={() => void remove(s.id, s.name)}
          />
        )}
      />
      {opened ? <SubscriptionDialog onClose={() => setOpened(false)} /> : null}
      {changing ? <SubscriptionDialog subscription={changing} onClose={() => setChanging(null)} /> : null}
    </>
  );
}
