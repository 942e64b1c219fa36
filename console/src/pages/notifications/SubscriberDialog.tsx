// Create or change a subscriber: its name, its weekly schedule, and its addresses, each with its own schedule.
import { ActionIcon, Alert, Button, Group, Modal, Paper, Select, Stack, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { z } from 'zod';
import {
  type ChannelKind,
  channelKinds,
  subscriberBody,
  subscriberPatchBody,
  type subscriberSchema,
} from '../../../../src/contract/notify-api.js';
import { api, fieldErrors, messageOf } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { issuesOf } from '../automation/forms.js';
import { AddressSchedule } from './AddressSchedule.js';
import {
  type AddressRow,
  addressesOfRows,
  addressRowOf,
  newAddressRow,
  rowWithoutHours,
} from './address-rows.js';
import { fullGrid, gridToSchedule, scheduleToGrid } from './schedule-grid.js';
import { WeeklySchedule } from './WeeklySchedule.js';

type Subscriber = z.infer<typeof subscriberSchema>;

export const kindLabels: Record<ChannelKind, string> = {
  email: 'E-mail',
  im: 'Instant message',
  sms: 'Text message',
  teams: 'Microsoft Teams',
  command: 'Command',
};

const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function SubscriberDialog({ subscriber, onClose }: { subscriber?: Subscriber; onClose: () => void }) {
  const qc = useQueryClient();
  const drawn = subscriber ? scheduleToGrid(subscriber.schedule) : null;
  const [name, setName] = useState(subscriber?.name ?? '');
  const [grid, setGrid] = useState(drawn?.grid ?? fullGrid());
  const [timeZone, setTimeZone] = useState(drawn?.timeZone ?? browserTimeZone());
  // A schedule the grid cannot draw is sent back as stored until the grid or the time zone is changed.
  const [kept, setKept] = useState(subscriber && !drawn ? subscriber.schedule : null);
  const [stored] = useState(() =>
    subscriber
      ? subscriber.addresses.map((a) => addressRowOf(a, drawn?.timeZone ?? browserTimeZone()))
      : [newAddressRow(browserTimeZone(), 'E-mail')],
  );
  const [addresses, setAddresses] = useState<AddressRow[]>(stored);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const noHour = grid.every((d) => d.every((h) => !h));
  const save = async () => {
    if (noHour && !kept) return setError('Choose at least one hour (Always sends at any hour).');
    const idle = rowWithoutHours(addresses);
    if (idle >= 0) return setError(`Choose at least one hour for address ${idle + 1}, or Always.`);
    const schedule = kept ?? gridToSchedule(grid, timeZone.trim());
    const sent = addressesOfRows(addresses);
    // A change sends the addresses only when one differs: they replace the stored ones whole.
    const unchanged = JSON.stringify(sent) === JSON.stringify(addressesOfRows(stored));
    const body = subscriber && unchanged ? { name, schedule } : { name, schedule, addresses: sent };
    const checked = (subscriber ? subscriberPatchBody : subscriberBody).safeParse(body);
    if (!checked.success) {
      setErrors(issuesOf(checked.error));
      setError(null);
      return;
    }
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      if (subscriber)
        await api.patch(`/api/v1/notification-subscribers/${encodeURIComponent(subscriber.id)}`, body);
      else await api.post('/api/v1/notification-subscribers', body);
      await qc.invalidateQueries({ queryKey: ['notify', 'subscribers'] });
      onClose();
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(messageOf(err));
      setBusy(false);
    }
  };
  const scheduleError = Object.entries(errors).find(([k]) => k.startsWith('schedule'))?.[1];
  const errorsOfAddress = (i: number) =>
    Object.fromEntries(
      Object.entries(errors)
        .filter(([k]) => k.startsWith(`addresses.${i}.`))
        .map(([k, v]) => [k.slice(`addresses.${i}.`.length), v]),
    );
  const update = (i: number, patch: Partial<AddressRow>) =>
    setAddresses(addresses.map((a, j) => (j === i ? { ...a, ...patch } : a)));
  return (
    <Modal
      opened
      onClose={onClose}
      title={subscriber ? `Change subscriber ${subscriber.name}` : 'Create subscriber'}
      size={900}
    >
      <Stack>
        <TextInput
          label="Name"
          required
          data-autofocus
          value={name}
          error={errors.name && `Name ${errors.name}`}
          onChange={(e) => setName(e.currentTarget.value)}
        />
        <Stack gap="xs">
          {addresses.map((a, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own
            <Paper key={i} withBorder p="sm">
              <Stack gap="sm">
                <Group align="flex-start" wrap="wrap">
                  <TextInput
                    label={`Name of address ${i + 1}`}
                    value={a.name}
                    error={errors[`addresses.${i}.name`]}
                    onChange={(e) => update(i, { name: e.currentTarget.value })}
                    w={180}
                  />
                  <Select
                    label={`Kind of address ${i + 1}`}
                    data={channelKinds.map((k) => ({ value: k, label: kindLabels[k] }))}
                    value={a.kind}
                    allowDeselect={false}
                    onChange={(v) => update(i, { kind: (v ?? 'email') as ChannelKind })}
                    w={180}
                  />
                  <TextInput
                    label={`Address ${i + 1}`}
                    value={a.address}
                    error={errors[`addresses.${i}.address`] && `Address ${errors[`addresses.${i}.address`]}`}
                    onChange={(e) => update(i, { address: e.currentTarget.value })}
                    style={{ flex: 1 }}
                    miw={220}
                  />
                  {addresses.length > 1 ? (
                    <ActionIcon
                      mt={26}
                      variant="subtle"
                      color="red"
                      aria-label={`Remove address ${i + 1}`}
                      onClick={() => setAddresses(addresses.filter((_, j) => j !== i))}
                    >
                      <span aria-hidden>✕</span>
                    </ActionIcon>
                  ) : null}
                </Group>
                <AddressSchedule
                  index={i}
                  row={a}
                  errors={errorsOfAddress(i)}
                  onChange={(patch) => update(i, patch)}
                />
              </Stack>
            </Paper>
          ))}
          <Group>
            <Button
              variant="default"
              size="xs"
              onClick={() =>
                setAddresses([...addresses, newAddressRow(timeZone.trim() || browserTimeZone())])
              }
            >
              Add address
            </Button>
          </Group>
        </Stack>
        {kept ? (
          <Alert color="yellow">
            This subscriber's schedule has dates, minutes or several time zones the weekly grid cannot show;
            it is kept unless you change the grid or the time zone.
          </Alert>
        ) : null}
        <WeeklySchedule
          label="When to notify"
          value={grid}
          onChange={(g) => {
            setGrid(g);
            setKept(null);
          }}
        />
        <TextInput
          label="Time zone of the schedule"
          description="An IANA name such as Europe/Paris"
          value={timeZone}
          error={errors['schedule.0.timeZone']}
          onChange={(e) => {
            setTimeZone(e.currentTarget.value);
            setKept(null);
          }}
          maw={320}
        />
        {scheduleError && !errors['schedule.0.timeZone'] ? (
          <Alert color="red">Schedule {scheduleError}</Alert>
        ) : null}
        <DialogActions
          error={error}
          busy={busy}
          submitLabel={subscriber ? 'Save' : 'Create'}
          onSubmit={save}
          onCancel={onClose}
        />
      </Stack>
    </Modal>
  );
}
