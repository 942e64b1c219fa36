// Reads what `steward schedule` and `steward webhook` take on the command line: parameter values, times on a
// zone's wall clock, days of the week and of the month, "first:monday" occurrences.
import { InvalidArgumentError } from 'commander';
import { type MonthlyOccurrence, weekDays, zonedInstant } from '../domain/automation/schedules.js';

/**
 * Repeatable `--param Name=value`: the value is read as JSON when it is JSON (`Count=3`, `Debug=true`,
 * `Tags=["a"]`), else kept as text (`Target=web01`); `Name='"3"'` gives the string "3".
 */
export function collectParameter(
  value: string,
  previous: Record<string, unknown> = {},
): Record<string, unknown> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`'${value}' is not Name=value.`);
  const raw = value.slice(at + 1);
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // Not JSON: the text as it is.
  }
  return { ...previous, [value.slice(0, at)]: parsed };
}

const WALL_TIME = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d))?)?$/;

/**
 * A time for the API: one with an offset or Z as it is; a date, or a date and time without an offset
 * (`2025-06-01T09:00`), on the wall clock of `timeZone`.
 */
export function zonedTime(value: string, timeZone: string, flag: string): string {
  const wall = WALL_TIME.exec(value.trim());
  if (wall) {
    const [, y, mo, d, h = '0', mi = '0', s = '0'] = wall;
    const day = Date.UTC(Number(y), Number(mo) - 1, Number(d)) / 86_400_000;
    return new Date(zonedInstant(day, Number(h), Number(mi), Number(s), timeZone)).toISOString();
  }
  const t = new Date(value);
  if (!/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(t.getTime()))
    throw new InvalidArgumentError(
      `${flag}: must be a time such as 2025-06-01T09:00 (in --time-zone) or 2025-06-01T07:00:00Z.`,
    );
  return t.toISOString();
}

/** `mon,fri` or `monday,friday`. */
export function weekDaysOption(value: string): string[] {
  return value.split(',').map((v) => {
    const day = weekDays.find((d) => d.startsWith(v.trim().toLowerCase()) && v.trim().length >= 2);
    if (!day) throw new InvalidArgumentError(`'${v}' is not a day of the week (mon, tue, …).`);
    return day;
  });
}

/** `1,15,last` or `-1`. */
export function monthDaysOption(value: string): number[] {
  return value.split(',').map((v) => {
    const t = v.trim().toLowerCase();
    const n = t === 'last' ? -1 : Number(t);
    if (!Number.isInteger(n) || n === 0 || n < -1 || n > 31)
      throw new InvalidArgumentError(`'${v}' is not a day of the month (1 to 31, or last).`);
    return n;
  });
}

const ordinals: Record<string, number> = { first: 1, second: 2, third: 3, fourth: 4, fifth: 5, last: -1 };

/** Repeatable `--on first:monday`, `--on last:friday`. */
export function collectOccurrence(value: string, previous: MonthlyOccurrence[] = []): MonthlyOccurrence[] {
  const [which = '', day = ''] = value.toLowerCase().split(':');
  const occurrence = ordinals[which];
  const [weekDay] = weekDaysOption(day || '?');
  if (occurrence === undefined)
    throw new InvalidArgumentError(`'${value}' is not like first:monday (first … fifth, or last).`);
  return [...previous, { day: weekDay as MonthlyOccurrence['day'], occurrence: occurrence as -1 }];
}
