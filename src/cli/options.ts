// Parsers for option values: integers, times (ISO or "2h ago" style), key=value pairs, file-free secrets.
import { InvalidArgumentError } from 'commander';

export function integerOption(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

const units: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Accepts an ISO 8601 time (`2025-01-31`, `2025-01-31T08:00:00Z`) or an age like `30m`, `2h`, `7d` (that long ago). */
export function parseTime(value: string, now = new Date()): string {
  const age = /^(\d+)([smhdw])$/.exec(value.trim());
  if (age) return new Date(now.getTime() - Number(age[1]) * units[age[2]!]!).toISOString();
  if (/^\d{4}-\d\d-\d\d/.test(value)) {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  throw new InvalidArgumentError(
    'must be an ISO 8601 time (2025-01-31T08:00:00Z) or an age like 30m, 2h, 7d.',
  );
}

export const timeOption = (value: string) => parseTime(value);

/** Repeatable `--property key=value`: collects into an object; `key=` gives the empty string. */
export function collectKeyValue(
  value: string,
  previous: Record<string, string> = {},
): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`'${value}' is not key=value.`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

/** Repeatable option collected into a list. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
