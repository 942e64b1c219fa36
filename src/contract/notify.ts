// Schemas of notification shapes: schedules, subscription criteria, delivery policy and message templates.
import { z } from 'zod';
import {
  type DeliveryPolicy,
  type SubscriptionCriteria,
  type TextCondition,
  textFields,
} from '../domain/notify/criteria.js';
import { type ScheduleEntry, validateSchedule, weekdays } from '../domain/notify/schedules.js';
import { type ChannelFormat, messageChannelKinds, validateTemplate } from '../domain/notify/templates.js';
import { textOperators } from '../domain/notify/text-match.js';
import { prioritySchema, resolutionStateSchema, severitySchema } from './alerts.js';
import { elementIdSchema } from './common.js';

/** Refinements run only on input that passed every other check, so one mistake is reported once. */
const whenClean = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };

// ---------------------------------------------------------------- schedules

export const weekdaySchema = z.enum(weekdays);

const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM from 00:00 to 23:59')
  .describe('HH:MM on the wall clock of timeZone');
const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a calendar date YYYY-MM-DD')
  .describe('YYYY-MM-DD in timeZone, inclusive');

export const scheduleEntrySchema = z
  .strictObject({
    exclude: z.boolean().default(false).describe('true subtracts this entry from the inclusions'),
    startDate: calendarDate.optional(),
    endDate: calendarDate.optional(),
    daysOfWeek: z.array(weekdaySchema).min(1).max(7).optional().describe('default: every day'),
    allDay: z.boolean().optional(),
    startTime: clockTime.optional().describe('inclusive; give startTime and endTime, or allDay'),
    endTime: clockTime
      .optional()
      .describe('exclusive; earlier than startTime runs past midnight into the next day'),
    timeZone: z
      .string()
      .min(1)
      .max(64)
      .describe("IANA time zone such as Europe/Paris; clients fill in the user's own when they ask for none"),
  })
  .describe('one line of a schedule') satisfies z.ZodType<ScheduleEntry>;

/** Subscriber and address schedules: empty means always (R42); exclusions need an inclusion (Q10). */
export const scheduleSchema = z
  .array(scheduleEntrySchema)
  .max(100)
  .superRefine((entries, ctx) => {
    for (const issue of validateSchedule(entries)) {
      ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message });
    }
  }, whenClean)
  .describe('empty: always; otherwise admitted when an inclusion covers the instant and no exclusion does');

// ---------------------------------------------------------------- subscription criteria

export const textConditionSchema = z
  .strictObject({
    field: z.enum(textFields),
    op: z
      .enum(textOperators)
      .describe(
        'equals: whole text; like: whole text with * and ? wildcards; contains: anywhere. Case ignored',
      ),
    value: z.string().max(1024),
  })
  .describe('no negation: R43 offers no "not equal"') satisfies z.ZodType<TextCondition>;

const idList = z.array(elementIdSchema).max(100);

/** Every given condition must hold; a list holds when any of its values does; no criteria match every alert. */
export const criteriaSchema = z
  .strictObject({
    severities: z.array(severitySchema).max(3).optional(),
    priorities: z.array(prioritySchema).max(3).optional(),
    resolutionStates: z.array(resolutionStateSchema).max(256).optional().describe('0 New, 255 Closed'),
    classIds: idList.optional().describe('the source is of one of these classes or a class derived from one'),
    groupIds: idList.optional().describe('the source is contained in one of these groups'),
    workflowIds: idList.optional().describe('raised by one of these rules or monitors'),
    text: z.array(textConditionSchema).max(20).optional(),
  })
  .describe('subscription criteria, AND-ed') satisfies z.ZodType<SubscriptionCriteria>;

export const deliveryPolicySchema = z.strictObject({
  delaySeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600)
    .default(0)
    .describe('notify only once the alert has met the criteria this long without a break'),
  onlyOnResolutionChange: z
    .boolean()
    .default(false)
    .describe('after the first notification, only resolution-state changes notify'),
  pollingIntervalSeconds: z.number().int().min(10).max(3600).default(60),
}) satisfies z.ZodType<DeliveryPolicy>;

// ---------------------------------------------------------------- message templates

export const messageChannelKindSchema = z.enum(messageChannelKinds);

/** Template text whose `$…$` tokens must all be known (R40); unknown ones are named in the error. */
export const templateTextSchema = (maxLength: number) =>
  z
    .string()
    .max(maxLength)
    .superRefine((text, ctx) => {
      const unknown = validateTemplate(text);
      if (unknown.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `uses unknown template token${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`,
        });
      }
    }, whenClean);

export const channelFormatSchema = z.strictObject({
  subject: templateTextSchema(1000)
    .optional()
    .describe('e-mail only; default "Alert: <name> Resolution state: <state>"'),
  body: templateTextSchema(65_536).optional().describe('default: the format of the channel kind (R41)'),
  bodyIsHtml: z.boolean().optional(),
}) satisfies z.ZodType<ChannelFormat>;
