// Create or change a schedule: once, every N hours, days, weeks (on chosen days) or months (on days of the month
// or the first…last weekday), or cron; its start and expiry on the wall clock of its time zone.
import {
  Checkbox,
  Chip,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import {
  createScheduleBody,
  type Schedule,
  scheduleSchema,
  updateScheduleBody,
} from '../../../../src/contract/automation-schedules.js';
import { weekDays } from '../../../../src/domain/automation/schedules.js';
import { api } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { NameFields } from '../../components/name-fields.js';
import { browserTimeZone, instantOf, timeZones, wallOf } from './schedule-time.js';
import { useSubmit } from './submit.js';

type Frequency = Schedule['frequency'];
type WeekDay = (typeof weekDays)[number];

const frequencies: { value: Frequency; label: string }[] = [
  { value: 'onetime', label: 'Once' },
  { value: 'hour', label: 'Hourly' },
  { value: 'day', label: 'Daily' },
  { value: 'week', label: 'Weekly' },
  { value: 'month', label: 'Monthly' },
  { value: 'cron', label: 'Cron expression' },
];
const unit: Partial<Record<Frequency, string>> = {
  hour: 'hours',
  day: 'days',
  week: 'weeks',
  month: 'months',
};
const dayLabel = (d: string) => d.charAt(0).toUpperCase() + d.slice(1, 3);
const monthDayOptions = [
  ...Array.from({ length: 31 }, (_, i) => ({ value: String(i + 1), label: String(i + 1) })),
  { value: '-1', label: 'Last day' },
];
const occurrenceOptions = [
  { value: '1', label: 'First' },
  { value: '2', label: 'Second' },
  { value: '3', label: 'Third' },
  { value: '4', label: 'Fourth' },
  { value: '5', label: 'Fifth' },
  { value: '-1', label: 'Last' },
];

const inAnHour = () => {
  const d = new Date(Date.now() + 3600_000);
  d.setMinutes(0, 0, 0);
  return d.toISOString();
};

export function ScheduleDialog({
  accountId,
  schedule,
  onClose,
}: {
  accountId: string;
  schedule?: Schedule;
  onClose: () => void;
}) {
  const submit = useSubmit();
  const zone0 = schedule?.timeZone ?? browserTimeZone();
  const [name, setName] = useState(schedule?.name ?? '');
  const [description, setDescription] = useState(schedule?.description ?? '');
  const [frequency, setFrequency] = useState<Frequency>(schedule?.frequency ?? 'day');
  const [interval, setInterval] = useState<number | string>(schedule?.interval ?? 1);
  const [timeZone, setTimeZone] = useState(zone0);
  const [start, setStart] = useState(wallOf(schedule?.startTime ?? inAnHour(), zone0));
  const [expiry, setExpiry] = useState(schedule?.expiryTime ? wallOf(schedule.expiryTime, zone0) : '');
  const [days, setDays] = useState<string[]>(schedule?.weekDays ?? []);
  const [monthDays, setMonthDays] = useState<string[]>((schedule?.monthDays ?? []).map(String));
  const first = schedule?.monthlyOccurrences[0];
  const [occurrence, setOccurrence] = useState<string | null>(first ? String(first.occurrence) : null);
  const [occurrenceDay, setOccurrenceDay] = useState<string | null>(first?.day ?? null);
  const [cron, setCron] = useState(schedule?.cron ?? '');
  const [enabled, setEnabled] = useState(schedule?.enabled ?? true);

  const save = async () => {
    const body = {
      name,
      ...(description ? { description } : {}),
      frequency,
      ...(frequency === 'onetime' || frequency === 'cron' ? {} : { interval: Number(interval) }),
      startTime: instantOf(start, timeZone) ?? start,
      expiryTime: expiry ? (instantOf(expiry, timeZone) ?? expiry) : null,
      timeZone,
      weekDays: frequency === 'week' ? (days as WeekDay[]) : [],
      monthDays: frequency === 'month' ? monthDays.map(Number) : [],
      monthlyOccurrences:
        frequency === 'month' && occurrence && occurrenceDay
          ? [{ day: occurrenceDay as WeekDay, occurrence: Number(occurrence) }]
          : [],
      ...(frequency === 'cron' ? { cron } : schedule?.cron ? { cron: null } : {}),
      enabled,
    };
    const enc = encodeURIComponent;
    const done = await submit.run(
      { schema: schedule ? updateScheduleBody : createScheduleBody, body },
      () =>
        schedule
          ? api.patch(`/api/v1/schedules/${enc(schedule.id)}`, body, { schema: scheduleSchema })
          : api.post(`/api/v1/automation-accounts/${enc(accountId)}/schedules`, body, {
              schema: scheduleSchema,
            }),
      [['schedules', 'of', accountId]],
    );
    if (done) onClose();
  };

  const e = submit.errors;
  return (
    <Modal opened onClose={onClose} title={schedule ? `Edit ${schedule.name}` : 'Create schedule'} size="lg">
      <Stack>
        <NameFields
          name={name}
          onNameChange={setName}
          description={description}
          onDescriptionChange={setDescription}
          errors={e}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Recurrence"
            data={frequencies}
            value={frequency}
            allowDeselect={false}
            error={e.frequency}
            onChange={(v) => v && setFrequency(v as Frequency)}
          />
          {unit[frequency] ? (
            <NumberInput
              label={`Every (${unit[frequency]})`}
              min={1}
              allowDecimal={false}
              value={interval}
              error={e.interval}
              onChange={setInterval}
            />
          ) : null}
          <TextInput
            label={frequency === 'onetime' ? 'Runs at' : 'Starts'}
            type="datetime-local"
            required
            value={start}
            error={e.startTime}
            onChange={(ev) => setStart(ev.currentTarget.value)}
          />
          <Select
            label="Time zone"
            searchable
            data={timeZones()}
            value={timeZone}
            allowDeselect={false}
            error={e.timeZone}
            onChange={(v) => v && setTimeZone(v)}
          />
          {frequency === 'onetime' ? null : (
            <TextInput
              label="Expires (optional)"
              type="datetime-local"
              value={expiry}
              error={e.expiryTime}
              onChange={(ev) => setExpiry(ev.currentTarget.value)}
            />
          )}
        </SimpleGrid>
        {frequency === 'week' ? (
          <Stack gap={4}>
            <Text size="sm" fw={500} id="week-days-label">
              On these days (none: the start's day)
            </Text>
            <Chip.Group multiple value={days} onChange={setDays}>
              <Group gap="xs" role="group" aria-labelledby="week-days-label">
                {weekDays.map((d) => (
                  <Chip key={d} value={d} size="sm">
                    {dayLabel(d)}
                  </Chip>
                ))}
              </Group>
            </Chip.Group>
            {e.weekDays ? (
              <Text c="red" size="sm">
                {e.weekDays}
              </Text>
            ) : null}
          </Stack>
        ) : null}
        {frequency === 'month' ? (
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <MultiSelect
              label="Days of the month"
              data={monthDayOptions}
              value={monthDays}
              error={e.monthDays}
              onChange={setMonthDays}
            />
            <Select
              label="Or on the"
              placeholder="—"
              data={occurrenceOptions}
              value={occurrence}
              error={e['monthlyOccurrences.0.occurrence']}
              onChange={setOccurrence}
            />
            <Select
              label="Week day"
              placeholder="—"
              data={weekDays.map((d) => ({ value: d, label: d.charAt(0).toUpperCase() + d.slice(1) }))}
              value={occurrenceDay}
              error={e['monthlyOccurrences.0.day']}
              onChange={setOccurrenceDay}
            />
          </SimpleGrid>
        ) : null}
        {frequency === 'cron' ? (
          <TextInput
            label="Cron expression"
            description="Five fields (minute hour day month weekday), or six with seconds first"
            spellCheck={false}
            value={cron}
            error={e.cron}
            onChange={(ev) => setCron(ev.currentTarget.value)}
          />
        ) : null}
        <Checkbox label="Enabled" checked={enabled} onChange={(ev) => setEnabled(ev.currentTarget.checked)} />
        <DialogActions
          error={submit.error}
          busy={submit.busy}
          submitLabel={schedule ? 'Save' : 'Create'}
          onSubmit={save}
          onCancel={onClose}
        />
      </Stack>
    </Modal>
  );
}
