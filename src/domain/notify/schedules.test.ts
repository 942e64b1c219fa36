// Proves schedule admission (R42): inclusions and exclusions, time zones across DST, windows past midnight, date
// ranges, both schedules for delivery, and the field-named validation issues including Q10.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deliveryAllowed,
  entryCovers,
  formatIssuePath,
  isAllowed,
  type ScheduleEntry,
  validateSchedule,
  weekdays,
} from './schedules.js';

const at = (iso: string) => new Date(iso);
const utc = (extra: Partial<ScheduleEntry> = {}): ScheduleEntry => ({ timeZone: 'UTC', ...extra });
const window = (startTime: string, endTime: string, extra: Partial<ScheduleEntry> = {}) =>
  utc({ startTime, endTime, ...extra });

describe('isAllowed', () => {
  it('admits every instant when there is no schedule or it has no entries', () => {
    expect(isAllowed(null, at('2024-01-01T03:00:00Z'))).toBe(true);
    expect(isAllowed(undefined, at('2024-01-01T03:00:00Z'))).toBe(true);
    expect(isAllowed([], at('2024-01-01T03:00:00Z'))).toBe(true);
  });

  it('subtracts an exclusion from an all-day inclusion (S32)', () => {
    const schedule = [utc({ allDay: true }), window('12:00', '13:00', { exclude: true })];
    expect(isAllowed(schedule, at('2024-01-01T12:30:00Z'))).toBe(false);
    expect(isAllowed(schedule, at('2024-01-01T14:00:00Z'))).toBe(true);
    expect(isAllowed(schedule, at('2024-01-01T11:59:59Z'))).toBe(true);
    expect(isAllowed(schedule, at('2024-01-01T12:00:00Z'))).toBe(false);
    expect(isAllowed(schedule, at('2024-01-01T13:00:00Z'))).toBe(true);
  });

  it('ors inclusions together', () => {
    const schedule = [window('08:00', '10:00'), window('16:00', '18:00')];
    expect(isAllowed(schedule, at('2024-01-01T09:00:00Z'))).toBe(true);
    expect(isAllowed(schedule, at('2024-01-01T17:00:00Z'))).toBe(true);
    expect(isAllowed(schedule, at('2024-01-01T12:00:00Z'))).toBe(false);
  });

  it('lets an exclusion act only inside an inclusion, never adding time', () => {
    const schedule = [window('09:00', '17:00'), window('08:00', '10:00', { exclude: true })];
    expect(isAllowed(schedule, at('2024-01-01T08:30:00Z'))).toBe(false);
    expect(isAllowed(schedule, at('2024-01-01T09:30:00Z'))).toBe(false);
    expect(isAllowed(schedule, at('2024-01-01T10:00:00Z'))).toBe(true);
    expect(isAllowed(schedule, at('2024-01-01T17:00:00Z'))).toBe(false);
  });

  it('admits nothing under an exclusion-only schedule', () => {
    const schedule = [window('12:00', '13:00', { exclude: true })];
    expect(isAllowed(schedule, at('2024-01-01T08:00:00Z'))).toBe(false);
    expect(isAllowed(schedule, at('2024-01-01T12:30:00Z'))).toBe(false);
  });

  it('selects days of the week', () => {
    // 2024-01-05 is a Friday, 2024-01-06 a Saturday.
    const schedule = [
      utc({ allDay: true, daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] }),
    ];
    expect(isAllowed(schedule, at('2024-01-05T23:59:59Z'))).toBe(true);
    expect(isAllowed(schedule, at('2024-01-06T00:00:00Z'))).toBe(false);
  });
});

describe('time zones', () => {
  const office = [utc({ timeZone: 'Europe/Paris', startTime: '09:00', endTime: '17:00' })];

  it('reads the window on the wall clock of its zone, winter and summer alike', () => {
    expect(isAllowed(office, at('2024-01-15T07:30:00Z'))).toBe(false); // 08:30 CET
    expect(isAllowed(office, at('2024-01-15T08:30:00Z'))).toBe(true); // 09:30 CET
    expect(isAllowed(office, at('2024-07-15T07:30:00Z'))).toBe(true); // 09:30 CEST
    expect(isAllowed(office, at('2024-07-15T15:00:00Z'))).toBe(false); // 17:00 CEST
  });

  it('takes the day of the week in the zone, not in UTC', () => {
    // Monday 2024-01-08 07:00 in Tokyo is still Sunday in UTC.
    const mondays = [utc({ timeZone: 'Asia/Tokyo', allDay: true, daysOfWeek: ['monday'] })];
    expect(isAllowed(mondays, at('2024-01-07T22:00:00Z'))).toBe(true);
    expect(isAllowed(mondays, at('2024-01-07T14:59:59Z'))).toBe(false);
  });

  it('covers nothing with a window inside the hour skipped when clocks go forward', () => {
    const skipped = [utc({ timeZone: 'Europe/Paris', startTime: '02:00', endTime: '03:00' })];
    // 2024-03-31: Paris jumps from 01:59:59 +01:00 straight to 03:00:00 +02:00.
    for (let m = -120; m <= 120; m += 5) {
      const instant = new Date(Date.parse('2024-03-31T01:00:00Z') + m * 60_000);
      expect(isAllowed(skipped, instant), instant.toISOString()).toBe(false);
    }
    expect(isAllowed(skipped, at('2024-03-30T01:30:00Z'))).toBe(true); // 02:30 the day before
  });

  it('covers both passes of the hour repeated when clocks go back', () => {
    const repeated = [utc({ timeZone: 'Europe/Paris', startTime: '02:00', endTime: '03:00' })];
    expect(isAllowed(repeated, at('2024-10-27T00:30:00Z'))).toBe(true); // 02:30 +02:00
    expect(isAllowed(repeated, at('2024-10-27T01:30:00Z'))).toBe(true); // 02:30 +01:00
    expect(isAllowed(repeated, at('2024-10-27T02:00:00Z'))).toBe(false); // 03:00 +01:00
    expect(isAllowed(repeated, at('2024-10-26T23:59:00Z'))).toBe(false); // 01:59 +02:00
  });

  it('keeps a local all-day entry to the local calendar day across a DST change', () => {
    const sunday = [
      utc({ timeZone: 'America/New_York', allDay: true, startDate: '2024-03-10', endDate: '2024-03-10' }),
    ];
    expect(isAllowed(sunday, at('2024-03-10T04:59:59Z'))).toBe(false); // Sat 23:59:59 EST
    expect(isAllowed(sunday, at('2024-03-10T05:00:00Z'))).toBe(true); // Sun 00:00 EST
    expect(isAllowed(sunday, at('2024-03-11T03:59:59Z'))).toBe(true); // Sun 23:59:59 EDT
    expect(isAllowed(sunday, at('2024-03-11T04:00:00Z'))).toBe(false); // Mon 00:00 EDT
  });
});

describe('windows past midnight', () => {
  const fridayNight = [window('22:00', '06:00', { daysOfWeek: ['friday'] })];

  it('runs from the evening of a selected day into the next morning', () => {
    expect(isAllowed(fridayNight, at('2024-01-05T21:59:59Z'))).toBe(false);
    expect(isAllowed(fridayNight, at('2024-01-05T22:00:00Z'))).toBe(true);
    expect(isAllowed(fridayNight, at('2024-01-05T23:59:59Z'))).toBe(true);
    expect(isAllowed(fridayNight, at('2024-01-06T00:00:00Z'))).toBe(true);
    expect(isAllowed(fridayNight, at('2024-01-06T05:59:59Z'))).toBe(true);
    expect(isAllowed(fridayNight, at('2024-01-06T06:00:00Z'))).toBe(false);
  });

  it('gives the early morning to the day the window started on', () => {
    expect(isAllowed(fridayNight, at('2024-01-05T03:00:00Z'))).toBe(false); // Friday morning: Thursday's window
    expect(isAllowed(fridayNight, at('2024-01-06T22:30:00Z'))).toBe(false); // Saturday evening
  });

  it('applies the date range to the day the window started on', () => {
    const lastNight = [window('22:00', '02:00', { startDate: '2023-12-31', endDate: '2023-12-31' })];
    expect(isAllowed(lastNight, at('2023-12-31T23:00:00Z'))).toBe(true);
    expect(isAllowed(lastNight, at('2024-01-01T01:00:00Z'))).toBe(true);
    expect(isAllowed(lastNight, at('2023-12-31T01:00:00Z'))).toBe(false);
    expect(isAllowed(lastNight, at('2024-01-01T23:00:00Z'))).toBe(false);
  });

  it('crosses midnight on the wall clock of its zone', () => {
    const tokyoNight = [
      utc({ timeZone: 'Asia/Tokyo', startTime: '23:00', endTime: '01:00', daysOfWeek: ['monday'] }),
    ];
    expect(isAllowed(tokyoNight, at('2024-01-08T14:30:00Z'))).toBe(true); // Mon 23:30 JST
    expect(isAllowed(tokyoNight, at('2024-01-08T15:30:00Z'))).toBe(true); // Tue 00:30 JST
    expect(isAllowed(tokyoNight, at('2024-01-08T16:00:00Z'))).toBe(false); // Tue 01:00 JST
  });

  it('covers, at every instant, exactly one of a window and its reverse', () => {
    const hhmm = fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    fc.assert(
      fc.property(
        hhmm,
        hhmm,
        fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'),
        fc.date({
          min: new Date('2020-01-01T00:00:00Z'),
          max: new Date('2030-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        (start, end, timeZone, instant) => {
          fc.pre(start !== end);
          const forward = entryCovers({ timeZone, startTime: start, endTime: end }, instant);
          const reverse = entryCovers({ timeZone, startTime: end, endTime: start }, instant);
          return forward !== reverse;
        },
      ),
    );
  });
});

describe('date ranges', () => {
  it('includes both end dates, read in the entry zone', () => {
    const range = [
      utc({ timeZone: 'Europe/Paris', allDay: true, startDate: '2024-01-10', endDate: '2024-01-12' }),
    ];
    expect(isAllowed(range, at('2024-01-09T22:59:59Z'))).toBe(false); // Jan 9 23:59:59 local
    expect(isAllowed(range, at('2024-01-09T23:00:00Z'))).toBe(true); // Jan 10 00:00 local
    expect(isAllowed(range, at('2024-01-12T22:59:59Z'))).toBe(true);
    expect(isAllowed(range, at('2024-01-12T23:00:00Z'))).toBe(false);
  });

  it('allows an open-ended range on either side', () => {
    const from = [utc({ allDay: true, startDate: '2024-06-01' })];
    const until = [utc({ allDay: true, endDate: '2024-06-01' })];
    expect(isAllowed(from, at('2030-01-01T00:00:00Z'))).toBe(true);
    expect(isAllowed(from, at('2024-05-31T12:00:00Z'))).toBe(false);
    expect(isAllowed(until, at('2000-01-01T00:00:00Z'))).toBe(true);
    expect(isAllowed(until, at('2024-06-02T00:00:00Z'))).toBe(false);
  });
});

describe('deliveryAllowed', () => {
  const subscriber = [utc({ timeZone: 'Europe/Paris', startTime: '08:00', endTime: '20:00' })];
  const address = [utc({ timeZone: 'America/New_York', startTime: '09:00', endTime: '17:00' })];

  it('requires both the subscriber and the address schedule to admit the instant', () => {
    expect(deliveryAllowed(subscriber, address, at('2024-01-15T15:00:00Z'))).toBe(true); // 16:00 Paris, 10:00 NY
    expect(deliveryAllowed(subscriber, address, at('2024-01-15T10:00:00Z'))).toBe(false); // 11:00 Paris, 05:00 NY
    expect(deliveryAllowed(subscriber, address, at('2024-01-15T20:00:00Z'))).toBe(false); // 21:00 Paris, 15:00 NY
  });

  it('treats a missing schedule on either side as always', () => {
    expect(deliveryAllowed(null, address, at('2024-01-15T20:00:00Z'))).toBe(true);
    expect(deliveryAllowed(subscriber, [], at('2024-01-15T10:00:00Z'))).toBe(true);
    expect(deliveryAllowed(null, undefined, at('2024-01-15T03:00:00Z'))).toBe(true);
  });
});

describe('validateSchedule', () => {
  it('accepts well-formed schedules, and the empty schedule', () => {
    expect(validateSchedule([])).toEqual([]);
    expect(
      validateSchedule([
        utc({ timeZone: 'Europe/Paris', allDay: true, daysOfWeek: [...weekdays] }),
        window('22:00', '06:00', { exclude: true, startDate: '2024-02-29', endDate: '2024-03-01' }),
      ]),
    ).toEqual([]);
  });

  it('rejects an exclusion-only schedule as incomplete (Q10), on the schedule itself', () => {
    const issues = validateSchedule([window('12:00', '13:00', { exclude: true })]);
    expect(issues).toEqual([{ path: [], message: expect.stringContaining('no inclusion') }]);
  });

  it('names an unknown time zone', () => {
    expect(
      validateSchedule([window('09:00', '17:00'), utc({ allDay: true, timeZone: 'Europe/Pariss' })]),
    ).toEqual([{ path: [1, 'timeZone'], message: expect.stringContaining('IANA') }]);
  });

  it('rejects a window whose start equals its end', () => {
    expect(validateSchedule([window('09:00', '09:00')])).toEqual([
      { path: [0, 'endTime'], message: expect.stringContaining('allDay') },
    ]);
  });

  it('names malformed times and dates, and impossible calendar dates', () => {
    const issues = validateSchedule([
      window('24:00', '9:00', { startDate: '2023-02-29', endDate: '2024-13-01' }),
      window('12:60', '13:00'),
    ]);
    expect(issues.map((i) => i.path)).toEqual([
      [0, 'startDate'],
      [0, 'endDate'],
      [0, 'startTime'],
      [0, 'endTime'],
      [1, 'startTime'],
    ]);
  });

  it('rejects an end date before the start date', () => {
    expect(validateSchedule([utc({ allDay: true, startDate: '2024-05-02', endDate: '2024-05-01' })])).toEqual(
      [{ path: [0, 'endDate'], message: 'must not be before startDate' }],
    );
  });

  it('asks for either allDay or both times', () => {
    expect(validateSchedule([utc({})]).map((i) => i.path)).toEqual([
      [0, 'startTime'],
      [0, 'endTime'],
    ]);
    expect(validateSchedule([utc({ startTime: '09:00' })]).map((i) => i.path)).toEqual([[0, 'endTime']]);
    expect(
      validateSchedule([utc({ allDay: true, startTime: '09:00', endTime: '10:00' })]).map((i) => i.path),
    ).toEqual([[0, 'allDay']]);
  });

  it('rejects an empty or unknown list of days', () => {
    const bad = { daysOfWeek: ['funday'] } as unknown as Partial<ScheduleEntry>;
    expect(validateSchedule([utc({ allDay: true, daysOfWeek: [] }), utc({ allDay: true, ...bad })])).toEqual([
      { path: [0, 'daysOfWeek'], message: expect.stringContaining('at least one day') },
      { path: [1, 'daysOfWeek'], message: expect.stringContaining("'funday'") },
    ]);
  });

  it('makes an invalid entry cover nothing instead of failing at delivery time', () => {
    const broken = utc({ allDay: true, timeZone: 'Nowhere/Land' });
    expect(entryCovers(broken, at('2024-01-01T12:00:00Z'))).toBe(false);
    expect(isAllowed([broken], at('2024-01-01T12:00:00Z'))).toBe(false);
    expect(isAllowed([utc({ allDay: true }), { ...broken, exclude: true }], at('2024-01-01T12:00:00Z'))).toBe(
      true,
    );
  });
});

describe('formatIssuePath', () => {
  it('writes paths the way error bodies do', () => {
    expect(formatIssuePath(['body', 'schedule', 0, 'timeZone'])).toBe('body.schedule[0].timeZone');
    expect(formatIssuePath(['schedule'])).toBe('schedule');
    expect(formatIssuePath([])).toBe('');
  });
});
