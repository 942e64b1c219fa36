// The subscriber dialog's address rows: each address with its own schedule (R42), to and from the API's addresses.
import type { z } from 'zod';
import type { ChannelKind, subscriberSchema } from '../../../../src/contract/notify-api.js';
import type { ScheduleEntry } from '../../../../src/domain/notify/schedules.js';
import { fullGrid, gridToSchedule, type HourGrid, scheduleToGrid } from './schedule-grid.js';

type StoredAddress = z.infer<typeof subscriberSchema>['addresses'][number];

export interface AddressRow {
  name: string;
  kind: ChannelKind;
  /** An https address reads back as its host and a fingerprint; sent back so, the server keeps the stored one. */
  address: string;
  /** always: no schedule of its own; times: only during the hours of grid, in timeZone. */
  when: 'always' | 'times';
  grid: HourGrid;
  timeZone: string;
  /**
   * The schedule as stored, sent back as it is until the row's schedule is changed, so entries the grid cannot
   * show (dates, minutes, other time zones) survive an edit of something else; null once changed.
   */
  kept: ScheduleEntry[] | null;
  /** False when kept has entries the weekly grid cannot draw. */
  drawable: boolean;
}

export const newAddressRow = (timeZone: string, name = ''): AddressRow => ({
  name,
  kind: 'email',
  address: '',
  when: 'always',
  grid: fullGrid(false),
  timeZone,
  kept: null,
  drawable: true,
});

export function addressRowOf(stored: StoredAddress, fallbackTimeZone: string): AddressRow {
  const schedule = stored.schedule as unknown as ScheduleEntry[];
  const drawn = scheduleToGrid(schedule);
  return {
    name: stored.name,
    kind: stored.kind,
    address: stored.address,
    when: schedule.length === 0 ? 'always' : 'times',
    grid: schedule.length === 0 ? fullGrid(false) : (drawn?.grid ?? fullGrid(false)),
    timeZone: drawn?.timeZone ?? fallbackTimeZone,
    kept: schedule,
    drawable: drawn !== null,
  };
}

/** The row's own schedule as the API takes it; empty: always. */
export function scheduleOfRow(row: AddressRow): ScheduleEntry[] {
  if (row.kept) return row.kept;
  return row.when === 'always' ? [] : gridToSchedule(row.grid, row.timeZone.trim());
}

export const addressesOfRows = (rows: readonly AddressRow[]) =>
  rows.map((r) => ({ name: r.name, kind: r.kind, address: r.address, schedule: scheduleOfRow(r) }));

/** The first row that asks for specified times and has none switched on, as its index. */
export const rowWithoutHours = (rows: readonly AddressRow[]) =>
  rows.findIndex((r) => !r.kept && r.when === 'times' && r.grid.every((d) => d.every((h) => !h)));
