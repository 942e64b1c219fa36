// Deliveries: every message sent, waiting or given up on (dead letters), with why; administrators send dead
// letters again, and deliveries of unknown outcome too once they accept a possible duplicate.
import { Alert, Anchor, Badge, Button, Group, Select, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import {
  type DeliveryStatus,
  deliveryStatuses,
  resendResponse,
} from '../../../../src/contract/notify-api.js';
import { api, messageOf } from '../../api.js';
import { ListTable } from '../../components/list-section.js';
import { Empty } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { when } from '../automation/data.js';
import { nameOf, useChannels, useDeliveries } from './data.js';

const statusColor: Partial<Record<DeliveryStatus, string>> = {
  sent: 'green',
  dead: 'red',
  unknown: 'orange',
  retry: 'yellow',
  skipped: 'gray',
};
const statusLabel = (s: DeliveryStatus) =>
  s === 'dead' ? 'Dead letter' : s.charAt(0).toUpperCase() + s.slice(1);

export function DeliveriesTab() {
  const qc = useQueryClient();
  const admin = usePermission('notify.channels');
  const [status, setStatus] = useState<DeliveryStatus | null>(null);
  const deliveries = useDeliveries(status);
  const channels = useChannels();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const resend = async (body: Record<string, unknown>) => {
    setMessage(null);
    try {
      const r = await api.post('/api/v1/notification-deliveries/resend', body, { schema: resendResponse });
      const refused = r.refused.map((x) => x.reason).join('; ');
      setMessage({
        ok: r.resent > 0,
        text: `${r.resent} of ${r.matched} queued to be sent again.${refused ? ` Not sent again: ${refused}` : ''}`,
      });
      await qc.invalidateQueries({ queryKey: ['notify', 'deliveries'] });
    } catch (err) {
      setMessage({ ok: false, text: messageOf(err) });
    }
  };
  return (
    <>
      <Group justify="space-between" align="flex-end" mb="sm" wrap="wrap">
        <Select
          label="Status"
          placeholder="Any status"
          clearable
          data={deliveryStatuses.map((s) => ({ value: s, label: statusLabel(s) }))}
          value={status}
          onChange={(v) => setStatus(v as DeliveryStatus | null)}
          w={200}
        />
        {admin.allowed ? (
          <Button variant="default" onClick={() => void resend({ status: 'dead' })}>
            Send every dead letter again
          </Button>
        ) : (
          <Text size="sm" c="dimmed">
            {admin.reason.replace('do this', 'send deliveries again')}
          </Text>
        )}
      </Group>
      {message ? (
        <Alert color={message.ok ? 'green' : 'red'} role={message.ok ? 'status' : 'alert'} mb="sm">
          {message.text}
        </Alert>
      ) : null}
      <ListTable
        query={deliveries}
        empty={
          <Empty title={status === 'dead' ? 'No dead letters' : 'No deliveries'}>
            Deliveries appear here once an alert matches a subscription.
          </Empty>
        }
        label="Deliveries"
        minWidth={960}
        columns={['Queued', 'Alert', 'Address', 'Channel', 'Status', 'Attempts', 'Why']}
        rowKey={(d) => d.id}
        cells={(d) => [
          when(d.createdAt),
          <Anchor key="a" component={Link} href={`/alerts/${encodeURIComponent(d.alertId)}`}>
            {d.alertId}
          </Anchor>,
          `${d.address} (${d.role})`,
          nameOf(channels.data, d.channelId),
          <Badge key="s" variant="dot" color={statusColor[d.status] ?? 'blue'}>
            {statusLabel(d.status)}
          </Badge>,
          d.attempts,
          d.lastError ?? d.detail ?? '—',
        ]}
        rowActions={
          admin.allowed
            ? (d) =>
                d.status === 'dead' || d.status === 'unknown' ? (
                  <Button
                    size="xs"
                    variant="subtle"
                    aria-label={`Send again: delivery ${d.id}`}
                    title={d.status === 'unknown' ? 'It may have been sent already' : undefined}
                    onClick={() => void resend({ ids: [d.id], force: d.status === 'unknown' })}
                  >
                    Send again
                  </Button>
                ) : null
            : undefined
        }
      />
    </>
  );
}
