// Wall-clock time of an instant in an IANA time zone, through the runtime's own time-zone database (Intl).

export interface LocalDateTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size > 500) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** A zone name such as `Europe/Paris` or `UTC` that the runtime knows; UTC offsets like `+01:00` are not names. */
export function isIanaTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '' || /^[+-]/.test(timeZone)) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The last answer in each zone, by whole second: the messages rendered in one second (a storm's hundreds) ask
 * the same, and the time shown does not depend on anything finer.
 */
const lastByZone = new Map<string, { second: number; local: LocalDateTime }>();

/** The calendar date and clock time shown in `timeZone` at `instant`. Throws RangeError for an unknown zone. */
export function localDateTime(instant: Date, timeZone: string): LocalDateTime {
  const second = Math.floor(instant.getTime() / 1000);
  const last = lastByZone.get(timeZone);
  if (last?.second === second) return { ...last.local };
  const out: LocalDateTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type in out) out[part.type as keyof LocalDateTime] = Number(part.value);
  }
  if (lastByZone.size > 500) lastByZone.clear();
  lastByZone.set(timeZone, { second, local: { ...out } });
  return out;
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** `2024-03-31 14:05:09 +02:00`: the wall-clock time in `timeZone` with its offset from UTC. */
export function formatLocal(instant: Date, timeZone: string): string {
  const t = localDateTime(instant, timeZone);
  const wholeSeconds = Math.floor(instant.getTime() / 1000) * 1000;
  const offsetMinutes = Math.round(
    (Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) - wholeSeconds) / 60_000,
  );
  const sign = offsetMinutes < 0 ? '-' : '+';
  const offset = `${sign}${pad(Math.trunc(offsetMinutes / 60))}:${pad(offsetMinutes % 60)}`;
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)} ${offset}`;
}

/** `2024-03-31T12:05:09Z`: ISO 8601 in UTC, to the second. */
export const formatUtc = (instant: Date): string => `${instant.toISOString().slice(0, 19)}Z`;
