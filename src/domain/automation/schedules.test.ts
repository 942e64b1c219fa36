// Proves schedule recurrences: daily runs keep their wall-clock time across Europe/Paris's DST changes (the
// skipped hour runs an hour later, the repeated one once), the last day of February in common and leap years,
// the first Monday and last Friday, weekly days every other week, hourly steps, expiry, a late schedule
// answering one next run (not one per missed run), cron in a zone, and the checks naming each field.
import { describe, expect, it } from 'vitest';
import { checkRecurrence, nextRunAfter, type Recurrence } from './schedules.js';

const rec = (r: Partial<Recurrence> & Pick<Recurrence, 'frequency' | 'startTime'>): Recurrence => ({
  interval: 1,
  expiryTime: null,
  timeZone: 'UTC',
  weekDays: [],
  monthDays: [],
  monthlyOccurrences: [],
  cron: null,
  ...r,
});
const at = (iso: string) => new Date(iso);
/** The next n runs after `after`. */
function runs(r: Recurrence, after: string, n: number): string[] {
  const out: string[] = [];
  let t = at(after);
  for (let i = 0; i < n; i++) {
    const next = nextRunAfter(r, t);
    if (!next) break;
    out.push(next.toISOString());
    t = next;
  }
  return out;
}

describe('next run of a daily schedule in Europe/Paris', () => {
  it('keeps 09:00 on the wall clock across the spring and autumn changes', () => {
    const r = rec({ frequency: 'day', startTime: at('2025-03-28T08:00:00Z'), timeZone: 'Europe/Paris' });
    expect(runs(r, '2025-03-28T00:00:00Z', 4)).toEqual([
      '2025-03-28T08:00:00.000Z', // CET, +01:00
      '2025-03-29T08:00:00.000Z',
      '2025-03-30T07:00:00.000Z', // CEST, +02:00
      '2025-03-31T07:00:00.000Z',
    ]);
    expect(runs(r, '2025-10-25T00:00:00Z', 2)).toEqual([
      '2025-10-25T07:00:00.000Z',
      '2025-10-26T08:00:00.000Z',
    ]);
  });

  it('runs 02:30, a time the spring change skips, at 03:30 that day', () => {
    const r = rec({ frequency: 'day', startTime: at('2025-03-29T01:30:00Z'), timeZone: 'Europe/Paris' });
    expect(runs(r, '2025-03-29T00:00:00Z', 3)).toEqual([
      '2025-03-29T01:30:00.000Z',
      '2025-03-30T01:30:00.000Z', // 03:30 CEST: 02:30 did not exist
      '2025-03-31T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  it('runs 02:30, a time the autumn change repeats, once, at the first', () => {
    const r = rec({ frequency: 'day', startTime: at('2025-10-25T00:30:00Z'), timeZone: 'Europe/Paris' });
    expect(runs(r, '2025-10-25T00:00:00Z', 3)).toEqual([
      '2025-10-25T00:30:00.000Z',
      '2025-10-26T00:30:00.000Z', // 02:30 CEST, not again at 02:30 CET
      '2025-10-27T01:30:00.000Z',
    ]);
  });

  it('runs every third day from the start', () => {
    const r = rec({ frequency: 'day', interval: 3, startTime: at('2025-01-01T06:00:00Z') });
    expect(runs(r, '2025-01-02T00:00:00Z', 3)).toEqual([
      '2025-01-04T06:00:00.000Z',
      '2025-01-07T06:00:00.000Z',
      '2025-01-10T06:00:00.000Z',
    ]);
  });
});

describe('next run of a monthly schedule', () => {
  it('runs on the last day: 28 February, 29 in a leap year, 31 March', () => {
    const r = rec({ frequency: 'month', monthDays: [-1], startTime: at('2025-01-15T12:00:00Z') });
    expect(runs(r, '2025-01-15T00:00:00Z', 3)).toEqual([
      '2025-01-31T12:00:00.000Z',
      '2025-02-28T12:00:00.000Z',
      '2025-03-31T12:00:00.000Z',
    ]);
    expect(runs(r, '2028-02-01T00:00:00Z', 1)).toEqual(['2028-02-29T12:00:00.000Z']);
  });

  it('skips months without the day asked for (the 30th in February)', () => {
    const r = rec({ frequency: 'month', monthDays: [30], startTime: at('2025-01-01T00:00:00Z') });
    expect(runs(r, '2025-01-31T00:00:00Z', 2)).toEqual([
      '2025-03-30T00:00:00.000Z',
      '2025-04-30T00:00:00.000Z',
    ]);
  });

  it('runs on the first Monday and the last Friday, in the zone', () => {
    const r = rec({
      frequency: 'month',
      timeZone: 'Europe/Paris',
      monthlyOccurrences: [
        { day: 'monday', occurrence: 1 },
        { day: 'friday', occurrence: -1 },
      ],
      startTime: at('2025-08-31T22:00:00Z'), // 1 September 00:00 in Paris
    });
    expect(runs(r, '2025-08-31T00:00:00Z', 4)).toEqual([
      '2025-08-31T22:00:00.000Z', // Monday 1 September 00:00 CEST, the start itself
      '2025-09-25T22:00:00.000Z', // Friday 26 September
      '2025-10-05T22:00:00.000Z', // Monday 6 October
      '2025-10-30T23:00:00.000Z', // Friday 31 October, CET
    ]);
  });

  it('runs every other month on the start day when no days are given', () => {
    const r = rec({ frequency: 'month', interval: 2, startTime: at('2025-01-10T08:00:00Z') });
    expect(runs(r, '2025-01-10T08:00:00Z', 2)).toEqual([
      '2025-03-10T08:00:00.000Z',
      '2025-05-10T08:00:00.000Z',
    ]);
  });
});

describe('next run of weekly, hourly, one-time and cron schedules', () => {
  it('runs on the days given, every other week', () => {
    const r = rec({
      frequency: 'week',
      interval: 2,
      weekDays: ['friday', 'monday'],
      startTime: at('2025-06-04T07:00:00Z'), // a Wednesday
    });
    expect(runs(r, '2025-06-01T00:00:00Z', 4)).toEqual([
      '2025-06-06T07:00:00.000Z', // Friday of the first week; its Monday was before the start
      '2025-06-16T07:00:00.000Z',
      '2025-06-20T07:00:00.000Z',
      '2025-06-30T07:00:00.000Z',
    ]);
  });

  it('runs every 5 hours in real time, whatever the wall clock does', () => {
    const r = rec({
      frequency: 'hour',
      interval: 5,
      startTime: at('2025-03-29T23:00:00Z'),
      timeZone: 'Europe/Paris',
    });
    expect(runs(r, '2025-03-29T00:00:00Z', 3)).toEqual([
      '2025-03-29T23:00:00.000Z',
      '2025-03-30T04:00:00.000Z',
      '2025-03-30T09:00:00.000Z',
    ]);
  });

  it('runs a one-time schedule once, at its start', () => {
    const r = rec({ frequency: 'onetime', startTime: at('2025-05-01T10:00:00Z') });
    expect(runs(r, '2025-04-01T00:00:00Z', 3)).toEqual(['2025-05-01T10:00:00.000Z']);
  });

  it('answers no run after the expiry', () => {
    const r = rec({
      frequency: 'day',
      startTime: at('2025-01-01T10:00:00Z'),
      expiryTime: at('2025-01-03T10:00:00Z'),
    });
    expect(runs(r, '2024-12-31T00:00:00Z', 5)).toHaveLength(3);
  });

  it('answers one next run for a schedule late by days, not one per missed run', () => {
    const r = rec({ frequency: 'hour', startTime: at('2025-01-01T00:00:00Z') });
    expect(nextRunAfter(r, at('2025-01-05T10:20:00Z'))?.toISOString()).toBe('2025-01-05T11:00:00.000Z');
  });

  it('reads a cron expression in the zone, never before the start', () => {
    const r = rec({
      frequency: 'cron',
      cron: '30 9 * * 1-5',
      timeZone: 'Europe/Paris',
      startTime: at('2025-03-28T12:00:00Z'),
    });
    expect(runs(r, '2025-03-27T00:00:00Z', 2)).toEqual([
      '2025-03-31T07:30:00.000Z',
      '2025-04-01T07:30:00.000Z',
    ]);
  });
});

describe('checks of a definition', () => {
  const start = at('2025-01-01T00:00:00Z');
  const paths = (r: Recurrence) => checkRecurrence(r).map((i) => i.path);

  it('accepts a valid definition of each frequency', () => {
    expect(checkRecurrence(rec({ frequency: 'onetime', startTime: start }))).toEqual([]);
    expect(checkRecurrence(rec({ frequency: 'week', weekDays: ['monday'], startTime: start }))).toEqual([]);
    expect(checkRecurrence(rec({ frequency: 'cron', cron: '0 */2 * * *', startTime: start }))).toEqual([]);
  });

  it('names the time zone, the cron expression, the interval and misplaced fields', () => {
    expect(paths(rec({ frequency: 'day', timeZone: 'Mars/Olympus', startTime: start }))).toEqual([
      'timeZone',
    ]);
    expect(paths(rec({ frequency: 'day', timeZone: '+02:00', startTime: start }))).toEqual(['timeZone']);
    expect(paths(rec({ frequency: 'cron', cron: '61 * * * *', startTime: start }))).toEqual(['cron']);
    expect(paths(rec({ frequency: 'cron', cron: 'every day', startTime: start }))).toEqual(['cron']);
    expect(paths(rec({ frequency: 'cron', startTime: start }))).toEqual(['cron']);
    expect(paths(rec({ frequency: 'onetime', interval: 2, startTime: start }))).toEqual(['interval']);
    expect(paths(rec({ frequency: 'day', weekDays: ['monday'], startTime: start }))).toEqual(['weekDays']);
    expect(paths(rec({ frequency: 'week', monthDays: [1], startTime: start }))).toEqual(['monthDays']);
    expect(paths(rec({ frequency: 'day', cron: '* * * * *', startTime: start }))).toEqual(['cron']);
    expect(paths(rec({ frequency: 'month', monthDays: [0], startTime: start }))).toEqual(['monthDays']);
    expect(paths(rec({ frequency: 'day', startTime: start, expiryTime: start }))).toEqual(['expiryTime']);
  });
});
