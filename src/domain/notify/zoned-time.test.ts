// Proves wall-clock reading and formatting in IANA zones, across both DST transitions, and zone-name checks.
import { describe, expect, it } from 'vitest';
import { formatLocal, formatUtc, isIanaTimeZone, localDateTime } from './zoned-time.js';

describe('zoned time', () => {
  it('reads the wall clock of a zone, including the day it falls on', () => {
    // 23:30 UTC on 31 Dec is already New Year's Day in Paris and still New Year's Eve in New York.
    const instant = new Date('2023-12-31T23:30:00Z');
    expect(localDateTime(instant, 'Europe/Paris')).toEqual({
      year: 2024,
      month: 1,
      day: 1,
      hour: 0,
      minute: 30,
      second: 0,
    });
    expect(localDateTime(instant, 'America/New_York')).toMatchObject({ year: 2023, day: 31, hour: 18 });
  });

  it('shows midnight as hour 0, never 24', () => {
    expect(localDateTime(new Date('2024-05-01T22:00:00Z'), 'Europe/Paris').hour).toBe(0);
  });

  it('formats local time with the offset in force, which changes across DST', () => {
    expect(formatLocal(new Date('2024-03-31T00:59:59Z'), 'Europe/Paris')).toBe('2024-03-31 01:59:59 +01:00');
    expect(formatLocal(new Date('2024-03-31T01:00:00Z'), 'Europe/Paris')).toBe('2024-03-31 03:00:00 +02:00');
    expect(formatLocal(new Date('2024-11-03T05:30:00Z'), 'America/New_York')).toBe(
      '2024-11-03 01:30:00 -04:00',
    );
    expect(formatLocal(new Date('2024-11-03T06:30:00Z'), 'America/New_York')).toBe(
      '2024-11-03 01:30:00 -05:00',
    );
  });

  it('answers the same second again from memory, a copy each time, and the next second anew', () => {
    const at = (iso: string) => localDateTime(new Date(iso), 'Europe/Paris');
    const first = at('2024-03-31T00:59:59.100Z');
    first.hour = 23;
    // A caller's change to an answer is its own; a later instant in the same second reads the same clock.
    expect(at('2024-03-31T00:59:59.900Z')).toEqual({
      year: 2024,
      month: 3,
      day: 31,
      hour: 1,
      minute: 59,
      second: 59,
    });
    // One second on, across the change to summer time: read again, not the remembered answer.
    expect(at('2024-03-31T01:00:00.000Z')).toMatchObject({ hour: 3, minute: 0, second: 0 });
    // The same second in another zone is that zone's.
    expect(localDateTime(new Date('2024-03-31T01:00:00.000Z'), 'UTC')).toMatchObject({ hour: 1 });
    expect(at('2024-03-31T01:00:00.500Z')).toMatchObject({ hour: 3 });
  });

  it('formats half-hour and negative offsets', () => {
    expect(formatLocal(new Date('2024-01-15T12:00:00Z'), 'Asia/Kolkata')).toBe('2024-01-15 17:30:00 +05:30');
    expect(formatLocal(new Date('2024-01-15T12:00:00Z'), 'America/St_Johns')).toBe(
      '2024-01-15 08:30:00 -03:30',
    );
  });

  it('formats UTC to the second', () => {
    expect(formatUtc(new Date('2024-01-15T12:00:00.987Z'))).toBe('2024-01-15T12:00:00Z');
  });

  it('accepts zone names the runtime knows and refuses others and bare offsets', () => {
    expect(isIanaTimeZone('Europe/Paris')).toBe(true);
    expect(isIanaTimeZone('UTC')).toBe(true);
    expect(isIanaTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isIanaTimeZone('')).toBe(false);
    expect(isIanaTimeZone('+01:00')).toBe(false);
  });
});
