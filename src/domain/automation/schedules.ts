// Schedule recurrences as Azure Automation defines them — once, or every N hours, days, weeks (on days of the
// week) or months (on days of the month, the last day, or the first…fifth or last weekday) — and cron
// expressions (croner): the checks of a definition and its next run time, on the wall clock of an IANA zone.
import { Cron } from 'croner';
import { isIanaTimeZone, localDateTime } from '../notify/zoned-time.js';

export const scheduleFrequencies = ['onetime', 'hour', 'day', 'week', 'month', 'cron'] as const;
export type ScheduleFrequency = (typeof scheduleFrequencies)[number];

export const weekDays = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export type WeekDay = (typeof weekDays)[number];

/** The nth weekday of a month: 1 to 5, or -1 for the last one. */
export const occurrences = [1, 2, 3, 4, 5, -1] as const;
export type Occurrence = (typeof occurrences)[number];

export interface MonthlyOccurrence {
  day: WeekDay;
  occurrence: Occurrence;
}

/** Also the most intervals and days a next-run search walks before it says there is none. */
export const MAX_INTERVAL = 1000;

export interface Recurrence {
  frequency: ScheduleFrequency;
  /** Every `interval` hours, days, weeks or months; 1 for onetime and cron. */
  interval: number;
  /** The first run (never before it); its wall-clock time in `timeZone` is the time of day of every run. */
  startTime: Date;
  /** No run after it. */
  expiryTime: Date | null;
  timeZone: string;
  /** week: the days it runs; empty means the weekday of startTime. */
  weekDays: readonly WeekDay[];
  /** month: days of the month 1–31 (a month without that day is skipped), -1 the last day. */
  monthDays: readonly number[];
  /** month: "the first Monday", "the last Friday"… */
  monthlyOccurrences: readonly MonthlyOccurrence[];
  /** cron: five or six fields (seconds first), read by croner in `timeZone`. */
  cron: string | null;
}

/** One thing wrong with a definition; `path` is the field (`timeZone`, `monthDays`…). */
export interface ScheduleIssue {
  path: string;
  message: string;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Checks the fields together; the types and ranges of each are the contract's. */
export function checkRecurrence(r: Recurrence): ScheduleIssue[] {
  const issues: ScheduleIssue[] = [];
  if (!isIanaTimeZone(r.timeZone))
    issues.push({ path: 'timeZone', message: 'is not an IANA time zone name (such as Europe/Paris or UTC)' });
  if (!Number.isSafeInteger(r.interval) || r.interval < 1 || r.interval > MAX_INTERVAL)
    issues.push({ path: 'interval', message: `must be a whole number from 1 to ${MAX_INTERVAL}` });
  else if ((r.frequency === 'onetime' || r.frequency === 'cron') && r.interval !== 1)
    issues.push({ path: 'interval', message: `must be 1 for a ${r.frequency} schedule` });
  if (r.weekDays.length && r.frequency !== 'week')
    issues.push({ path: 'weekDays', message: 'is for a weekly schedule (frequency week) only' });
  if (r.frequency !== 'month') {
    if (r.monthDays.length)
      issues.push({ path: 'monthDays', message: 'is for a monthly schedule (frequency month) only' });
    if (r.monthlyOccurrences.length)
      issues.push({
        path: 'monthlyOccurrences',
        message: 'is for a monthly schedule (frequency month) only',
      });
  }
  for (const d of r.monthDays)
    if (!Number.isInteger(d) || d === 0 || d < -1 || d > 31) {
      issues.push({ path: 'monthDays', message: 'holds days 1 to 31, or -1 for the last day of the month' });
      break;
    }
  if (r.frequency === 'cron') {
    if (!r.cron) issues.push({ path: 'cron', message: 'is required for a cron schedule' });
    else if (issues.every((i) => i.path !== 'timeZone')) {
      const problem = cronProblem(r.cron, r.timeZone);
      if (problem) issues.push({ path: 'cron', message: problem });
    }
  } else if (r.cron) issues.push({ path: 'cron', message: 'is for a cron schedule (frequency cron) only' });
  if (Number.isNaN(r.startTime.getTime())) issues.push({ path: 'startTime', message: 'is not a valid time' });
  if (r.expiryTime && r.expiryTime.getTime() <= r.startTime.getTime())
    issues.push({ path: 'expiryTime', message: 'must be after startTime' });
  return issues;
}

/** Why croner refuses a cron expression, or undefined when it reads it. */
export function cronProblem(expression: string, timeZone = 'UTC'): string | undefined {
  const fields = expression.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6)
    return 'must have five fields (minute hour day month weekday) or six (seconds first)';
  try {
    new Cron(expression, { timezone: timeZone, paused: true });
    return undefined;
  } catch (err) {
    return `is not a valid cron expression: ${(err as Error).message}`;
  }
}

/**
 * The first run strictly after `after`, or null when there is none (a one-time schedule that ran, the expiry
 * passed, or no month holds the days asked for). Runs that fell while nobody looked are not returned one by
 * one: the answer is always after `after`, so a schedule late by a day fires once, not once per missed run.
 * A wall-clock time that does not exist (the hour skipped when clocks go forward) runs that much later
 * (02:30 becomes 03:30); one that happens twice (clocks go back) runs at the first.
 */
export function nextRunAfter(r: Recurrence, after: Date): Date | null {
  const next = nextIgnoringExpiry(r, after);
  if (!next) return null;
  return r.expiryTime && next.getTime() > r.expiryTime.getTime() ? null : next;
}

function nextIgnoringExpiry(r: Recurrence, after: Date): Date | null {
  const start = r.startTime.getTime();
  const a = after.getTime();
  switch (r.frequency) {
    case 'onetime':
      return start > a ? new Date(start) : null;
    case 'hour': {
      const step = r.interval * HOUR_MS;
      if (a < start) return new Date(start);
      return new Date(start + (Math.floor((a - start) / step) + 1) * step);
    }
    case 'cron': {
      if (!r.cron) return null;
      const cron = new Cron(r.cron, { timezone: r.timeZone, paused: true });
      // croner answers strictly after the instant it is given; a run at startTime itself counts.
      return cron.nextRun(new Date(Math.max(a, start - 1)));
    }
    case 'day':
    case 'week':
    case 'month':
      return nextCalendarRun(r, a);
  }
}

/** Days since 1970-01-01 of a calendar date, and back. */
const dayNumber = (year: number, month: number, day: number) => Date.UTC(year, month - 1, day) / DAY_MS;
const dateOf = (n: number) => {
  const d = new Date(n * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
};
/** 0 for Monday … 6 for Sunday. */
const weekdayIndex = (n: number) => (new Date(n * DAY_MS).getUTCDay() + 6) % 7;
const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The candidate days of one period (days since 1970) in order, for day, week and month frequencies. */
function daysOfPeriod(r: Recurrence, first: number, k: number, startDay: number): number[] {
  if (r.frequency === 'day') return [first + k * r.interval];
  if (r.frequency === 'week') {
    const week = first + k * r.interval * 7;
    const offsets = r.weekDays.length
      ? [...new Set(r.weekDays.map((d) => weekDays.indexOf(d)))]
      : [weekdayIndex(startDay)];
    return offsets.sort((x, y) => x - y).map((o) => week + o);
  }
  const m = first + k * r.interval;
  const year = Math.floor(m / 12);
  const month = (m % 12) + 1;
  const last = daysInMonth(year, month);
  const days = new Set<number>();
  for (const d of r.monthDays) {
    if (d === -1) days.add(last);
    else if (d <= last) days.add(d);
  }
  const firstDay = dayNumber(year, month, 1);
  for (const o of r.monthlyOccurrences) {
    const wanted = weekDays.indexOf(o.day);
    const firstMatch = 1 + ((wanted - weekdayIndex(firstDay) + 7) % 7);
    if (o.occurrence === -1) days.add(firstMatch + Math.floor((last - firstMatch) / 7) * 7);
    else if (firstMatch + (o.occurrence - 1) * 7 <= last) days.add(firstMatch + (o.occurrence - 1) * 7);
  }
  if (!r.monthDays.length && !r.monthlyOccurrences.length) {
    const d = dateOf(startDay).day;
    if (d <= last) days.add(d);
  }
  return [...days].sort((x, y) => x - y).map((d) => firstDay + d - 1);
}

function nextCalendarRun(r: Recurrence, after: number): Date | null {
  const start = r.startTime.getTime();
  const s = localDateTime(r.startTime, r.timeZone);
  const startDay = dayNumber(s.year, s.month, s.day);
  const from = localDateTime(new Date(Math.max(after, start)), r.timeZone);
  const fromDay = dayNumber(from.year, from.month, from.day);
  // Periods count from the start's: its day, its week (from Monday), or its month.
  let first: number;
  let elapsed: number;
  if (r.frequency === 'day') {
    first = startDay;
    elapsed = fromDay - startDay;
  } else if (r.frequency === 'week') {
    first = startDay - weekdayIndex(startDay);
    elapsed = Math.floor((fromDay - first) / 7);
  } else {
    first = s.year * 12 + s.month - 1;
    elapsed = from.year * 12 + from.month - 1 - first;
  }
  // One period early: a wall-clock time late in the day may still be ahead in UTC.
  const k0 = Math.max(0, Math.floor(elapsed / r.interval) - 1);
  for (let k = k0; k < k0 + MAX_INTERVAL; k++) {
    for (const day of daysOfPeriod(r, first, k, startDay)) {
      if (day < startDay) continue;
      const at = zonedInstant(day, s.hour, s.minute, s.second, r.timeZone);
      if (at >= start && at > after) return new Date(at);
    }
  }
  return null;
}

/** Milliseconds the zone's wall clock is ahead of UTC at `ms`. */
function offsetAt(ms: number, timeZone: string): number {
  const l = localDateTime(new Date(ms), timeZone);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant the zone's clocks show this date and time. Of two (clocks went back) the first; of none (clocks
 * went forward over it) the time as far past the gap as it was into it, read with the offset before the gap.
 */
export function zonedInstant(day: number, hour: number, minute: number, second: number, tz: string): number {
  const wall = day * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000;
  const before = offsetAt(wall - DAY_MS / 2, tz);
  const after = offsetAt(wall + DAY_MS / 2, tz);
  const shows = (ms: number) => ms + offsetAt(ms, tz) === wall;
  const valid = [wall - before, wall - after].filter(shows);
  return valid.length ? Math.min(...valid) : wall - before;
}
