// Requests and responses for schedules (recurrences linked to runbooks) and webhooks (secret URLs that start a
// runbook) of an automation account.
import { z } from 'zod';
import { MAX_INTERVAL, occurrences, scheduleFrequencies, weekDays } from '../domain/automation/schedules.js';
import { automationNameSchema } from './automation.js';
import { runOnSchema } from './automation-jobs.js';
import { descriptionSchema, isoDate, timestamp } from './common.js';

const parameterValues = z
  .record(z.string().max(128), z.unknown())
  .describe('values of the runbook’s declared parameters, by name (secret parameters cannot be given)');

const weekDaysSchema = z
  .array(z.enum(weekDays))
  .max(7)
  .describe('week: the days it runs (default: the start’s)');
const monthDaysSchema = z
  .array(
    z
      .number()
      .int()
      .min(-1)
      .max(31)
      .refine((n) => n !== 0, 'must be a day 1 to 31, or -1 for the last day'),
  )
  .max(32)
  .describe('month: days 1–31 (months without the day are skipped), -1 the last day');
const monthlyOccurrencesSchema = z
  .array(
    z.strictObject({
      day: z.enum(weekDays),
      occurrence: z
        .number()
        .int()
        .refine((n) => (occurrences as readonly number[]).includes(n), 'must be 1 to 5, or -1 for the last'),
    }),
  )
  .max(35)
  .describe('month: {day: monday, occurrence: 1} is the first Monday, occurrence -1 the last');

const recurrenceFields = {
  frequency: z.enum(scheduleFrequencies),
  interval: z.number().int().min(1).max(MAX_INTERVAL).describe('every N hours, days, weeks or months'),
  startTime: isoDate.describe('first run; its wall-clock time in timeZone is the time of every run'),
  expiryTime: isoDate.nullable().describe('no run after it'),
  timeZone: z.string().min(1).max(64).describe('IANA time zone such as Europe/Paris'),
  weekDays: weekDaysSchema,
  monthDays: monthDaysSchema,
  monthlyOccurrences: monthlyOccurrencesSchema,
  cron: z
    .string()
    .min(1)
    .max(256)
    .nullable()
    .describe('frequency cron: five fields, or six with seconds first'),
};

export const createScheduleBody = z.strictObject({
  name: automationNameSchema,
  description: descriptionSchema.optional(),
  frequency: recurrenceFields.frequency,
  interval: recurrenceFields.interval.default(1),
  startTime: recurrenceFields.startTime,
  expiryTime: recurrenceFields.expiryTime.optional(),
  timeZone: recurrenceFields.timeZone.default('UTC'),
  weekDays: recurrenceFields.weekDays.default([]),
  monthDays: recurrenceFields.monthDays.default([]),
  monthlyOccurrences: recurrenceFields.monthlyOccurrences.default([]),
  cron: recurrenceFields.cron.optional(),
  enabled: z.boolean().default(true),
});

export const updateScheduleBody = z
  .strictObject({
    name: automationNameSchema.optional(),
    description: descriptionSchema.optional(),
    frequency: recurrenceFields.frequency.optional(),
    interval: recurrenceFields.interval.optional(),
    startTime: recurrenceFields.startTime.optional(),
    expiryTime: recurrenceFields.expiryTime.optional(),
    timeZone: recurrenceFields.timeZone.optional(),
    weekDays: recurrenceFields.weekDays.optional(),
    monthDays: recurrenceFields.monthDays.optional(),
    monthlyOccurrences: recurrenceFields.monthlyOccurrences.optional(),
    cron: recurrenceFields.cron.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');

export const linkScheduleBody = z.strictObject({
  parameters: parameterValues.default({}),
  runOn: runOnSchema.default('cloud'),
});

export const scheduleLinkSchema = z.object({
  runbookId: z.string(),
  runbookName: z.string(),
  parameters: z.record(z.string(), z.unknown()),
  runOn: z.string(),
  createdAt: timestamp,
});
export type ScheduleLink = z.infer<typeof scheduleLinkSchema>;

export const scheduleSchema = z.object({
  id: z.string(),
  automationAccountId: z.string(),
  name: z.string(),
  description: z.string(),
  frequency: z.enum(scheduleFrequencies),
  interval: z.number().int(),
  startTime: timestamp,
  expiryTime: timestamp.nullable(),
  timeZone: z.string(),
  weekDays: z.array(z.enum(weekDays)),
  monthDays: z.array(z.number().int()),
  monthlyOccurrences: z.array(z.object({ day: z.enum(weekDays), occurrence: z.number().int() })),
  cron: z.string().nullable(),
  enabled: z.boolean(),
  nextRunAt: timestamp.nullable().describe('null when disabled or when it will not run again'),
  lastRunAt: timestamp.nullable(),
  links: z.array(scheduleLinkSchema),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type Schedule = z.infer<typeof scheduleSchema>;

export const scheduleLinkParams = z.object({
  id: z.string().min(1).max(256),
  runbookId: z.string().min(1).max(256),
});

/** Webhooks live a year unless told otherwise, ten at most. */
export const DEFAULT_WEBHOOK_DAYS = 365;
export const MAX_WEBHOOK_YEARS = 10;
/** The largest body a webhook call may POST. */
export const WEBHOOK_BODY_LIMIT_BYTES = 512 * 1024;

export const createWebhookBody = z.strictObject({
  name: automationNameSchema,
  runbookId: z.string().min(1).max(256).describe('the runbook it starts (published)'),
  description: descriptionSchema.optional(),
  expiresAt: isoDate.optional().describe('default: a year from now; at most ten years'),
  enabled: z.boolean().default(true),
  parameters: parameterValues.default({}),
  runOn: runOnSchema.default('cloud'),
});

export const updateWebhookBody = z
  .strictObject({
    name: automationNameSchema.optional(),
    description: descriptionSchema.optional(),
    expiresAt: isoDate.optional(),
    enabled: z.boolean().optional(),
    parameters: parameterValues.optional(),
    runOn: runOnSchema.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');

export const webhookSchema = z.object({
  id: z.string(),
  automationAccountId: z.string(),
  runbookId: z.string(),
  runbookName: z.string(),
  name: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  expiresAt: timestamp,
  expired: z.boolean(),
  parameters: z.record(z.string(), z.unknown()),
  runOn: z.string(),
  createdBy: z.string(),
  lastInvokedAt: timestamp.nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type Webhook = z.infer<typeof webhookSchema>;

export const createdWebhookSchema = webhookSchema.extend({
  token: z.string().describe('shown this once: only its hash is kept'),
  url: z.string().describe('POST to it to start the runbook; shown this once'),
});

/** Any token: one that is not a webhook's, whatever its length, is the same 404 as a disabled one. */
export const webhookCallParams = z.object({ token: z.string() });

export const webhookCallResponse = z.object({
  jobIds: z.array(z.string()),
});
