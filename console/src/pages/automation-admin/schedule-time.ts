// A schedule's times as a person types them: the wall clock of the schedule's time zone ("2026-12-24T09:30"),
// turned into the instant the API keeps, and back.
import { zonedInstant } from '../../../../src/domain/automation/schedules.js';
import { localDateTime } from '../../../../src/domain/notify/zoned-time.js';

const DAY_MS = 24 * 3600 * 1000;
const pad = (n: number) => String(n).padStart(2, '0');

/** The ISO instant the zone's clocks show `wall` (yyyy-mm-ddThh:mm), or null when it is not such a time. */
export function instantOf(wall: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(wall);
  if (!m) return null;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  try {
    return new Date(zonedInstant(Date.UTC(y, mo - 1, d) / DAY_MS, h, mi, 0, timeZone)).toISOString();
  } catch {
    return null;
  }
}

/** The zone's wall-clock time of an instant, as a datetime-local input shows it. */
export function wallOf(iso: string, timeZone: string): string {
  try {
    const l = localDateTime(new Date(iso), timeZone);
    return `${l.year}-${pad(l.month)}-${pad(l.day)}T${pad(l.hour)}:${pad(l.minute)}`;
  } catch {
    return '';
  }
}

/** Every IANA zone the browser knows, UTC first. */
export const timeZones = (): string[] => {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return ['UTC', ...known.filter((z) => z !== 'UTC')];
};

export const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
