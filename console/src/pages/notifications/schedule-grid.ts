// The weekly schedule editor's model: a 7 × 24 grid of hours, to and from the API's schedule entries (R42).
import type { ScheduleEntry, Weekday } from '../../../../src/domain/notify/schedules.js';
import { weekdays } from '../../../../src/domain/notify/schedules.js';

/** grid[day][hour], day in `weekdays` order (Sunday first), true: notifications may be sent that hour. */
export type HourGrid = boolean[][];

export const fullGrid = (value = true): HourGrid => weekdays.map(() => Array<boolean>(24).fill(value));

const hh = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;

/** Every hour is an empty schedule (always); otherwise one entry per run of hours shared by the same days. */
export function gridToSchedule(grid: HourGrid, timeZone: string): ScheduleEntry[] {
  if (grid.every((day) => day.every(Boolean))) return [];
  const byRun = new Map<string, Weekday[]>();
  grid.forEach((hours, d) => {
    let start = -1;
    for (let h = 0; h <= 24; h++) {
      const on = h < 24 && hours[h];
      if (on && start < 0) start = h;
      if (!on && start >= 0) {
        const key = `${start}-${h}`;
        byRun.set(key, [...(byRun.get(key) ?? []), weekdays[d] as Weekday]);
        start = -1;
      }
    }
  });
  return [...byRun].map(([key, days]) => {
    const [start, end] = key.split('-').map(Number) as [number, number];
    const daysOfWeek = days.length === 7 ? {} : { daysOfWeek: days };
    return start === 0 && end === 24
      ? { ...daysOfWeek, allDay: true, timeZone }
      : { ...daysOfWeek, startTime: hh(start), endTime: hh(end), timeZone };
  });
}

const hourOf = (t: unknown): number | undefined => {
  const m = typeof t === 'string' ? /^(\d{2}):00$/.exec(t) : null;
  return m ? Number(m[1]) : undefined;
};

/**
 * The grid a schedule shows as, and its time zone; null when an entry cannot be drawn on a weekly grid of whole
 * hours (dates, minutes) or the entries are in several time zones (the grid has one).
 */
export function scheduleToGrid(
  schedule: readonly object[],
): { grid: HourGrid; timeZone: string | null } | null {
  const entries = schedule as readonly Record<string, unknown>[];
  if (entries.length === 0) return { grid: fullGrid(), timeZone: null };
  if (new Set(entries.map((e) => e.timeZone)).size > 1) return null;
  const grid = fullGrid(false);
  const ordered = [
    ...entries.filter((e) => e.exclude !== true),
    ...entries.filter((e) => e.exclude === true),
  ];
  for (const e of ordered) {
    if (e.startDate !== undefined || e.endDate !== undefined) return null;
    const days = ((e.daysOfWeek as Weekday[] | undefined) ?? weekdays).map((d) => weekdays.indexOf(d));
    const set = (d: number, h: number) => {
      (grid[(d + 7) % 7] as boolean[])[h] = e.exclude !== true;
    };
    if (e.allDay === true) {
      for (const d of days) for (let h = 0; h < 24; h++) set(d, h);
      continue;
    }
    const start = hourOf(e.startTime);
    const end = hourOf(e.endTime);
    if (start === undefined || end === undefined) return null;
    for (const d of days) {
      if (start < end) for (let h = start; h < end; h++) set(d, h);
      else {
        for (let h = start; h < 24; h++) set(d, h);
        for (let h = 0; h < end; h++) set(d + 1, h);
      }
    }
  }
  return { grid, timeZone: typeof entries[0]?.timeZone === 'string' ? entries[0].timeZone : null };
}

/** A short description of a schedule for tables. */
export function scheduleSummary(entries: readonly object[]): string {
  if (entries.length === 0) return 'Always';
  const drawn = scheduleToGrid(entries);
  if (!drawn) return `${entries.length} schedule entr${entries.length === 1 ? 'y' : 'ies'}`;
  const hours = drawn.grid.flat().filter(Boolean).length;
  return `${hours} of 168 hours a week${drawn.timeZone ? ` (${drawn.timeZone})` : ''}`;
}
