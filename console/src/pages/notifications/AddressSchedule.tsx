// One address's own schedule in the subscriber dialog (R42): always, or only during the hours of a weekly grid.
import { Alert, Group, Radio, Stack, TextInput } from '@mantine/core';
import type { AddressRow } from './address-rows.js';
import { WeeklySchedule } from './WeeklySchedule.js';

export function AddressSchedule({
  index,
  row,
  errors,
  onChange,
}: {
  index: number;
  row: AddressRow;
  /** Messages keyed by path below the address, as `schedule.0.timeZone`. */
  errors: Record<string, string>;
  onChange: (patch: Partial<AddressRow>) => void;
}) {
  const n = index + 1;
  const timeZoneError = errors['schedule.0.timeZone'];
  const scheduleError = Object.entries(errors).find(([k]) => k.startsWith('schedule'))?.[1];
  return (
    <Stack gap="xs">
      <Radio.Group
        label={`Schedule of address ${n}`}
        value={row.when}
        onChange={(v) => onChange({ when: v === 'times' ? 'times' : 'always', kept: null })}
      >
        <Group gap="lg" mt={4}>
          <Radio value="always" label="Always send notifications" />
          <Radio value="times" label="Only send notifications during the specified times" />
        </Group>
      </Radio.Group>
      {row.when === 'times' ? (
        <Stack gap="xs" role="group" aria-label={`Specified times of address ${n}`}>
          {row.kept && !row.drawable ? (
            <Alert color="yellow">
              This address's schedule has dates or minutes the weekly grid cannot show; it is kept unless you
              change the grid or the time zone.
            </Alert>
          ) : null}
          <WeeklySchedule
            label={`When to notify at address ${n}`}
            value={row.grid}
            onChange={(grid) => onChange({ grid, kept: null })}
          />
          <TextInput
            label={`Time zone of address ${n}`}
            description="An IANA name such as Europe/Paris"
            value={row.timeZone}
            error={timeZoneError}
            onChange={(e) => onChange({ timeZone: e.currentTarget.value, kept: null })}
            maw={320}
          />
          {scheduleError && !timeZoneError ? (
            <Alert color="red">
              Schedule of address {n} {scheduleError}
            </Alert>
          ) : null}
        </Stack>
      ) : null}
    </Stack>
  );
}
