// Subscriber and address schedules: when a notification may be delivered (R42, DESIGN Q10).
import { isIanaTimeZone, type LocalDateTime, localDateTime } from './zoned-time.js';

export const weekdays = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
] as const;
export type Weekday = (typeof weekdays)[number];

/**
 * One line of a schedule, read on the wall clock of `timeZone`.
 *
 * - `startDate`/`endDate` (`YYYY-MM-DD`, both inclusive) and `daysOfWeek` (default: every day) select days.
 * - On a selected day the entry covers the whole day (`allDay`) or `startTime` (inclusive) to `endTime`
 *   (exclusive), both `HH:MM`. An `endTime` earlier than `startTime` runs past midnight into the next
 *   day; that early-morning part belongs to the day the window started on, so "Friday 22:00–06:00" covers
 *   Saturday 03:00 but not Friday 03:00.
 * - Wall-clock reading means a window inside a skipped DST hour covers nothing that day, and one inside a
 *   repeated hour covers both passes.
 */
export interface ScheduleEntry {
  /** Default false: the entry includes. */
  exclude?: boolean;
  startDate?: string;
  endDate?: string;
  daysOfWeek?: readonly Weekday[];
  allDay?: boolean;
  startTime?: string;
  endTime?: string;
  timeZone: string;
}

/** No schedule, or one without entries, admits every instant. */
export type Schedule = readonly ScheduleEntry[] | null | undefined;

export interface FieldIssue {
  /** Relative to the schedule: `[0, 'timeZone']`; `[]` is the schedule itself. */
  path: readonly (string | number)[];
  message: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

function isCalendarDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

const secondsOfTime = (hhmm: string): number | undefined => {
  const m = TIME.exec(hhmm);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 : undefined;
};

function entryIssues(entry: ScheduleEntry, at: number): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const add = (field: string, message: string) => issues.push({ path: [at, field], message });
  if (!isIanaTimeZone(entry.timeZone)) add('timeZone', 'must be an IANA time zone name such as Europe/Paris');
  for (const field of ['startDate', 'endDate'] as const) {
    const v = entry[field];
    if (v !== undefined && !isCalendarDate(v)) add(field, 'must be a calendar date YYYY-MM-DD');
  }
  if (
    entry.startDate !== undefined &&
    entry.endDate !== undefined &&
    isCalendarDate(entry.startDate) &&
    isCalendarDate(entry.endDate) &&
    entry.endDate < entry.startDate
  ) {
    add('endDate', 'must not be before startDate');
  }
  if (entry.daysOfWeek !== undefined) {
    if (entry.daysOfWeek.length === 0)
      add('daysOfWeek', 'must name at least one day, or be left out for every day');
    for (const d of entry.daysOfWeek) {
      if (!weekdays.includes(d)) add('daysOfWeek', `'${d}' is not a day; use ${weekdays.join(', ')}`);
    }
  }
  const hasTimes = entry.startTime !== undefined || entry.endTime !== undefined;
  if (entry.allDay === true) {
    if (hasTimes) add('allDay', 'give either allDay or startTime and endTime, not both');
    return issues;
  }
  for (const field of ['startTime', 'endTime'] as const) {
    const v = entry[field];
    if (v === undefined) add(field, 'is required unless allDay is true');
    else if (secondsOfTime(v) === undefined) add(field, 'must be a time HH:MM from 00:00 to 23:59');
  }
  const start = entry.startTime === undefined ? undefined : secondsOfTime(entry.startTime);
  if (start !== undefined && start === secondsOfTime(entry.endTime ?? '')) {
    add('endTime', 'must differ from startTime; use allDay for the whole day');
  }
  return issues;
}

/**
 * Problems that make a schedule unusable, each naming its field. A schedule with exclusions and no
 * inclusion is incomplete and rejected: exclusions only subtract from inclusions (DESIGN Q10).
 */
export function validateSchedule(entries: readonly ScheduleEntry[]): FieldIssue[] {
  const issues = entries.flatMap((e, i) => entryIssues(e, i));
  if (entries.length > 0 && entries.every((e) => e.exclude === true)) {
    issues.push({
      path: [],
      message: 'has exclusions but no inclusion; add an inclusion (for example all day) for them to apply to',
    });
  }
  return issues;
}

const isoDate = (y: number, m: number, d: number) =>
  `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** The entry selects this calendar day (its date range and days of week). */
function selectsDay(entry: ScheduleEntry, year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  const iso = isoDate(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
  if (entry.startDate !== undefined && iso < entry.startDate) return false;
  if (entry.endDate !== undefined && iso > entry.endDate) return false;
  const weekday = weekdays[date.getUTCDay()] as Weekday;
  return entry.daysOfWeek === undefined || entry.daysOfWeek.includes(weekday);
}

function covers(entry: ScheduleEntry, t: LocalDateTime): boolean {
  if (entry.allDay === true) return selectsDay(entry, t.year, t.month, t.day);
  const start = secondsOfTime(entry.startTime ?? '');
  const end = secondsOfTime(entry.endTime ?? '');
  if (start === undefined || end === undefined || start === end) return false;
  const now = t.hour * 3600 + t.minute * 60 + t.second;
  if (start < end) return now >= start && now < end && selectsDay(entry, t.year, t.month, t.day);
  // Past midnight: the evening part belongs to today, the early-morning part to yesterday's window.
  if (now >= start) return selectsDay(entry, t.year, t.month, t.day);
  return now < end && selectsDay(entry, t.year, t.month, t.day - 1);
}

/** Whether one entry covers `instant`. An entry that fails validation covers nothing. */
export function entryCovers(entry: ScheduleEntry, instant: Date): boolean {
  if (!isIanaTimeZone(entry.timeZone)) return false;
  return covers(entry, localDateTime(instant, entry.timeZone));
}

/**
 * Whether the schedule admits `instant`: no entries ⇒ always; otherwise some inclusion covers it and no
 * exclusion does (R42). An exclusion-only schedule admits nothing, which is why validation rejects it.
 */
export function isAllowed(schedule: Schedule, instant: Date): boolean {
  if (!schedule || schedule.length === 0) return true;
  let included = false;
  for (const entry of schedule) {
    if (!entryCovers(entry, instant)) continue;
    if (entry.exclude === true) return false;
    included = true;
  }
  return included;
}

/** A notification reaches an address only when the subscriber's and the address's schedules both admit it (R42). */
export const deliveryAllowed = (
  subscriberSchedule: Schedule,
  addressSchedule: Schedule,
  instant: Date,
): boolean => isAllowed(subscriberSchedule, instant) && isAllowed(addressSchedule, instant);

/** `['schedule', 0, 'timeZone']` → `schedule[0].timeZone`, the form error bodies use. */
export function formatIssuePath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}
