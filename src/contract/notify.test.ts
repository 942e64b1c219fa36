// Proves the notification schemas reject bad schedules, negated criteria and unknown template tokens with field paths.
import { describe, expect, it } from 'vitest';
import {
  channelFormatSchema,
  criteriaSchema,
  deliveryPolicySchema,
  scheduleSchema,
  templateTextSchema,
} from './notify.js';

const issuesOf = (result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) => (result.error?.issues ?? []).map((i) => ({ path: i.path, message: i.message }));

describe('scheduleSchema', () => {
  it('accepts a schedule and fills in exclude', () => {
    const parsed = scheduleSchema.parse([
      { allDay: true, timeZone: 'Europe/Paris' },
      { exclude: true, startTime: '12:00', endTime: '13:00', timeZone: 'Europe/Paris' },
    ]);
    expect(parsed.map((e) => e.exclude)).toEqual([false, true]);
    expect(scheduleSchema.parse([])).toEqual([]);
  });

  it('rejects an exclusion-only schedule on the schedule itself (Q10)', () => {
    const result = scheduleSchema.safeParse([
      { exclude: true, startTime: '12:00', endTime: '13:00', timeZone: 'UTC' },
    ]);
    expect(issuesOf(result)).toEqual([{ path: [], message: expect.stringContaining('no inclusion') }]);
  });

  it('names the entry and field of a rule the domain checks', () => {
    const result = scheduleSchema.safeParse([
      { allDay: true, timeZone: 'UTC' },
      { startTime: '09:00', endTime: '09:00', timeZone: 'Europe/Nowhere' },
    ]);
    expect(issuesOf(result).map((i) => i.path)).toEqual([
      [1, 'timeZone'],
      [1, 'endTime'],
    ]);
  });

  it('reports a malformed field once, not again from the domain rules', () => {
    const result = scheduleSchema.safeParse([{ startTime: '25:00', endTime: '10:00', timeZone: 'UTC' }]);
    expect(issuesOf(result)).toEqual([{ path: [0, 'startTime'], message: expect.stringContaining('HH:MM') }]);
  });

  it('rejects unknown fields and day names', () => {
    expect(scheduleSchema.safeParse([{ allDay: true, timeZone: 'UTC', weekends: true }]).success).toBe(false);
    expect(scheduleSchema.safeParse([{ allDay: true, timeZone: 'UTC', daysOfWeek: ['Mon'] }]).success).toBe(
      false,
    );
  });
});

describe('criteriaSchema', () => {
  it('accepts every kind of condition', () => {
    const criteria = {
      severities: ['critical'],
      priorities: ['high', 'medium'],
      resolutionStates: [0, 255],
      classIds: ['SQL.Server.Instance'],
      groupIds: ['Contoso.WindowsServers'],
      workflowIds: ['Windows.FreeSpace.Monitor'],
      text: [{ field: 'custom3', op: 'like', value: 'tier-?' }],
    };
    expect(criteriaSchema.parse(criteria)).toEqual(criteria);
    expect(criteriaSchema.parse({})).toEqual({});
  });

  it('offers no negation (R43)', () => {
    expect(
      criteriaSchema.safeParse({ text: [{ field: 'name', op: 'not-equals', value: 'x' }] }).success,
    ).toBe(false);
    expect(criteriaSchema.safeParse({ notGroupIds: ['Contoso.WindowsServers'] }).success).toBe(false);
  });

  it('rejects numeric severities and unknown text fields', () => {
    expect(criteriaSchema.safeParse({ severities: [2] }).success).toBe(false);
    expect(
      criteriaSchema.safeParse({ text: [{ field: 'custom11', op: 'equals', value: 'x' }] }).success,
    ).toBe(false);
  });
});

describe('deliveryPolicySchema', () => {
  it('defaults to no delay, every change and a one-minute poll', () => {
    expect(deliveryPolicySchema.parse({})).toEqual({
      delaySeconds: 0,
      onlyOnResolutionChange: false,
      pollingIntervalSeconds: 60,
    });
    expect(deliveryPolicySchema.safeParse({ delaySeconds: -1 }).success).toBe(false);
  });
});

describe('template schemas', () => {
  it('names every unknown token in one message', () => {
    const result = templateTextSchema(1000).safeParse('Hi $Foo$ $Data/Context/DataItem/Nope$ $Foo$');
    expect(issuesOf(result)).toEqual([
      { path: [], message: 'uses unknown template tokens $Foo$, $Data/Context/DataItem/Nope$' },
    ]);
  });

  it('puts the error on the field that holds the template', () => {
    const result = channelFormatSchema.safeParse({
      subject: 'ok $Data/Context/DataItem/AlertName$',
      body: '$Bad$',
    });
    expect(issuesOf(result)).toEqual([{ path: ['body'], message: 'uses unknown template token $Bad$' }]);
  });

  it('accepts known tokens and prose with dollar signs', () => {
    expect(
      channelFormatSchema.safeParse({
        subject: "Alert: $Data[Default='Not Present']/Context/DataItem/AlertName$ costs $5",
        body: '<b>$Data/Context/DataItem/Severity$</b>',
        bodyIsHtml: true,
      }).success,
    ).toBe(true);
  });

  it('checks length before tokens', () => {
    expect(issuesOf(templateTextSchema(5).safeParse('$Foo$ and more'))).toHaveLength(1);
  });
});
