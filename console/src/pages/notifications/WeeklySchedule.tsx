// The visual weekly schedule editor: days × hours, each hour a cell to switch on or off. One tab stop; the arrow
// keys move between cells, Space or Enter switches one; a day's name switches the whole day.
import { Box, Button, Group, Stack, Table, Text, UnstyledButton, VisuallyHidden } from '@mantine/core';
import { type KeyboardEvent, useId, useRef, useState } from 'react';
import { weekdays } from '../../../../src/domain/notify/schedules.js';
import { fullGrid, type HourGrid } from './schedule-grid.js';

/** Monday first, as a working week reads. */
const rows = [1, 2, 3, 4, 5, 6, 0] as const;
const dayName = (d: number) => {
  const w = weekdays[d] ?? '';
  return w.charAt(0).toUpperCase() + w.slice(1);
};
const hours = Array.from({ length: 24 }, (_, h) => h);
const span = (h: number) => `${String(h).padStart(2, '0')}:00 to ${String((h + 1) % 24).padStart(2, '0')}:00`;

const workingHours = (): HourGrid =>
  weekdays.map((_, d) => hours.map((h) => d >= 1 && d <= 5 && h >= 8 && h < 18));

export function WeeklySchedule({
  label,
  value,
  onChange,
}: {
  label: string;
  value: HourGrid;
  onChange: (grid: HourGrid) => void;
}) {
  const [focus, setFocus] = useState<[number, number]>([0, 9]);
  const table = useRef<HTMLTableElement>(null);
  // Several editors can share a dialog (the subscriber's and its addresses'): each names its own label.
  const id = useId();
  const set = (d: number, h: number, on: boolean) =>
    onChange(value.map((day, i) => (i === d ? day.map((x, j) => (j === h ? on : x)) : day)));
  const setDay = (d: number) => {
    const on = !value[d]?.every(Boolean);
    onChange(value.map((day, i) => (i === d ? day.map(() => on) : day)));
  };
  const move = (r: number, h: number) => {
    const next: [number, number] = [Math.max(0, Math.min(6, r)), Math.max(0, Math.min(23, h))];
    setFocus(next);
    table.current?.querySelector<HTMLElement>(`[data-cell="${next[0]}-${next[1]}"]`)?.focus();
  };
  const onKey = (e: KeyboardEvent, r: number, h: number) => {
    const d = rows[r] as number;
    switch (e.key) {
      case 'ArrowRight':
        move(r, h + 1);
        break;
      case 'ArrowLeft':
        move(r, h - 1);
        break;
      case 'ArrowDown':
        move(r + 1, h);
        break;
      case 'ArrowUp':
        move(r - 1, h);
        break;
      case 'Home':
        move(r, 0);
        break;
      case 'End':
        move(r, 23);
        break;
      case ' ':
      case 'Enter':
        set(d, h, !value[d]?.[h]);
        break;
      default:
        return;
    }
    e.preventDefault();
  };
  const count = value.flat().filter(Boolean).length;
  return (
    <Stack gap="xs">
      <Group justify="space-between" wrap="wrap">
        <Text fw={500} size="sm" id={`${id}-label`}>
          {label}
        </Text>
        <Group gap="xs">
          <Button size="compact-sm" variant="default" onClick={() => onChange(fullGrid())}>
            Always
          </Button>
          <Button size="compact-sm" variant="default" onClick={() => onChange(workingHours())}>
            Working hours
          </Button>
          <Button size="compact-sm" variant="default" onClick={() => onChange(fullGrid(false))}>
            Clear
          </Button>
        </Group>
      </Group>
      <Text size="xs" c="dimmed" id={`${id}-help`}>
        {count === 168 ? 'Always: notifications are sent at any hour.' : `${count} of 168 hours a week.`}{' '}
        Click or drag across hours; with the keyboard, arrow keys move and Space switches an hour.
      </Text>
      <Table.ScrollContainer minWidth={760}>
        <Table
          ref={table}
          role="grid"
          aria-labelledby={`${id}-label`}
          aria-describedby={`${id}-help`}
          withTableBorder
          withColumnBorders
          verticalSpacing={0}
          horizontalSpacing={0}
          fz="xs"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={96}>
                <VisuallyHidden>Day</VisuallyHidden>
              </Table.Th>
              {hours.map((h) => (
                <Table.Th key={h} ta="center" fw={400}>
                  <span aria-hidden>{h}</span>
                  <VisuallyHidden>{span(h)}</VisuallyHidden>
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((d, r) => (
              <Table.Tr key={d}>
                <Table.Th px={6}>
                  <UnstyledButton
                    fz="xs"
                    fw={600}
                    onClick={() => setDay(d)}
                    aria-label={`Switch all of ${dayName(d)}`}
                  >
                    {dayName(d)}
                  </UnstyledButton>
                </Table.Th>
                {hours.map((h) => {
                  const on = Boolean(value[d]?.[h]);
                  return (
                    <Box
                      component="td"
                      key={h}
                      role="gridcell"
                      data-cell={`${r}-${h}`}
                      aria-selected={on}
                      aria-label={`${dayName(d)} ${span(h)}`}
                      tabIndex={focus[0] === r && focus[1] === h ? 0 : -1}
                      onFocus={() => setFocus([r, h])}
                      onKeyDown={(e) => onKey(e, r, h)}
                      onMouseDown={(e) => {
                        e.preventDefault();
                        move(r, h);
                        set(d, h, !on);
                      }}
                      onMouseEnter={(e) => {
                        if (e.buttons === 1) set(d, h, !on);
                      }}
                      h={24}
                      style={{
                        cursor: 'pointer',
                        background: on ? 'var(--mantine-primary-color-filled)' : undefined,
                        outlineOffset: -2,
                      }}
                    />
                  );
                })}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
