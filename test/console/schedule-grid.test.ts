// Proves the console's weekly schedule grid against the domain's own reading of schedules: the entries a grid
// becomes pass the API's schema, admit exactly the hours switched on (checked for every hour of a week with the
// notifier's isAllowed), and draw back as the same grid; schedules the grid cannot draw are said to be so.
import { describe, expect, it } from 'vitest';
import {
  fullGrid,
  gridToSchedule,
  type HourGrid,
  scheduleSummary,
  scheduleToGrid,
} from '../../console/src/pages/notifications/schedule-grid.js';
import { scheduleSchema } from '../../src/contract/notify.js';
import { isAllowed } from '../../src/domain/notify/schedules.js';

/** Sunday 2026-03-01 00:30 UTC onwards: one instant in every hour of a week, in UTC. */
const instantOf = (day: number, hour: number) => new Date(Date.UTC(2026, 2, 1 + day, hour, 30));

function admitted(grid: HourGrid): void {
  const schedule = gridToSchedule(grid, 'UTC');
  expect(scheduleSchema.safeParse(schedule).success).toBe(true);
  for (let d = 0; d < 7; d++)
    for (let h = 0; h < 24; h++)
      expect(isAllowed(schedule, instantOf(d, h)), `day ${d} hour ${h}`).toBe(Boolean(grid[d]?.[h]));
  expect(scheduleToGrid(schedule)?.grid).toEqual(grid);
}

const grid = (on: (day: number, hour: number) => boolean): HourGrid =>
  fullGrid(false).map((hours, d) => hours.map((_, h) => on(d, h)));

describe('the weekly schedule grid', () => {
  it('is an empty schedule (always) when every hour is on', () => {
    expect(gridToSchedule(fullGrid(), 'Europe/Paris')).toEqual([]);
    expect(scheduleSummary([])).toBe('Always');
  });

  it('admits exactly the hours switched on: working hours, a whole day, the last hour, scattered hours', () => {
    admitted(grid((d, h) => d >= 1 && d <= 5 && h >= 8 && h < 18));
    admitted(grid((d) => d === 0 || d === 6));
    admitted(grid((d, h) => h === 23 || (d === 3 && h === 0)));
    admitted(grid((d, h) => (d * 24 + h) % 5 === 0));
  });

  it('groups days with the same hours into one entry, and a whole day into allDay', () => {
    const schedule = gridToSchedule(
      grid((d, h) => (d >= 1 && d <= 5 && h >= 8 && h < 18) || d === 6),
      'Europe/Paris',
    );
    expect(schedule).toEqual([
      {
        daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
        startTime: '08:00',
        endTime: '18:00',
        timeZone: 'Europe/Paris',
      },
      { daysOfWeek: ['saturday'], allDay: true, timeZone: 'Europe/Paris' },
    ]);
    expect(scheduleSummary(schedule)).toBe('74 of 168 hours a week (Europe/Paris)');
  });

  it('draws windows past midnight and exclusions; says when dates or minutes cannot be drawn', () => {
    const drawn = scheduleToGrid([
      { daysOfWeek: ['friday'], startTime: '22:00', endTime: '02:00', timeZone: 'UTC' },
      { allDay: true, daysOfWeek: ['monday'], timeZone: 'UTC' },
      { exclude: true, daysOfWeek: ['monday'], startTime: '12:00', endTime: '13:00', timeZone: 'UTC' },
    ]);
    expect(drawn?.grid).toEqual(
      grid((d, h) => (d === 5 && h >= 22) || (d === 6 && h < 2) || (d === 1 && h !== 12)),
    );
    expect(scheduleToGrid([{ startTime: '08:30', endTime: '17:00', timeZone: 'UTC' }])).toBeNull();
    expect(scheduleToGrid([{ allDay: true, startDate: '2026-12-24', timeZone: 'UTC' }])).toBeNull();
    expect(scheduleSummary([{ allDay: true, startDate: '2026-12-24', timeZone: 'UTC' }])).toBe(
      '1 schedule entry',
    );
  });
});
