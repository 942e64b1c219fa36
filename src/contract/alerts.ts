// Requests and responses for alerts: raised by workflows, by Steward itself or through the API (domain-spec §1.2).
import { z } from 'zod';
import { descriptionSchema, displayNameSchema, isoDate, limitSchema, timestamp } from './common.js';

/** Named values, not SCOM's numbers (DESIGN Q14). */
export const severities = ['critical', 'warning', 'information'] as const;
export const priorities = ['high', 'medium', 'low'] as const;
/**
 * `workflow`: a monitor or rule; `steward`: Steward about a health service (credentials not found, logon
 * checks); `watcher`: the health service watcher (a heartbeat missed, R46), whose source is the watcher of a
 * health service, not the computer; `api`: raised through the API.
 */
export const sourceKinds = ['workflow', 'steward', 'watcher', 'api'] as const;
export const severitySchema = z.enum(severities);
export const prioritySchema = z.enum(priorities);
export type Severity = z.infer<typeof severitySchema>;
export type Priority = z.infer<typeof prioritySchema>;
export type SourceKind = (typeof sourceKinds)[number];

export const RESOLUTION_NEW = 0;
export const RESOLUTION_CLOSED = 255;

/** 0 New, 255 Closed; 1–254 are custom states an operator may use without declaring them. */
export const resolutionStateSchema = z.number().int().min(0).max(255);

export const resolutionStateName = (state: number) =>
  state === RESOLUTION_NEW ? 'New' : state === RESOLUTION_CLOSED ? 'Closed' : `Custom ${state}`;

const customKeys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'] as const;
const customValue = z.string().max(1024);
const shortText = z.string().trim().min(1).max(256);
const sourceObjectId = z.string().min(1).max(256);

/** Custom1..Custom10 under the keys "1".."10". */
export const customFieldsSchema = z.strictObject(
  Object.fromEntries(customKeys.map((k) => [k, customValue.optional()])) as Record<
    (typeof customKeys)[number],
    z.ZodOptional<typeof customValue>
  >,
);

/** A patch of custom fields: a value sets the field, null clears it, an absent key leaves it. */
export const customPatchSchema = z.strictObject(
  Object.fromEntries(customKeys.map((k) => [k, customValue.nullable().optional()])) as Record<
    (typeof customKeys)[number],
    z.ZodOptional<z.ZodNullable<typeof customValue>>
  >,
);

export const raiseAlertBody = z.strictObject({
  name: displayNameSchema,
  description: descriptionSchema.optional(),
  severity: severitySchema,
  priority: prioritySchema.default('medium'),
  sourceObjectId: sourceObjectId
    .optional()
    .describe('the object, computer, management server or pool the alert is about'),
  category: shortText.optional(),
  owner: shortText.optional(),
  ticketId: shortText.optional(),
  custom: customFieldsSchema.optional(),
  dedupeKey: shortText
    .optional()
    .describe('raising again while an alert with this key is open increments its repeat count'),
});

export const updateAlertBody = z
  .strictObject({
    resolutionState: resolutionStateSchema.optional().describe('0 New, 255 Closed, 1–254 custom'),
    priority: prioritySchema.optional(),
    owner: shortText.nullable().optional(),
    ticketId: shortText.nullable().optional(),
    custom: customPatchSchema.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');

export const alertStateFilter = z.enum(['open', 'closed', 'all']);

export const listAlertsQuery = z.strictObject({
  state: alertStateFilter.default('open').describe('open: not closed (state ≠ 255)'),
  severity: severitySchema.optional(),
  priority: prioritySchema.optional(),
  sourceObject: sourceObjectId.optional(),
  workflow: z.string().min(1).max(256).optional(),
  since: isoDate.optional().describe('raised at or after this time'),
  afterId: z.string().min(1).max(256).optional().describe('the nextAfterId of the previous page'),
  limit: limitSchema,
});

export const alertSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  severity: severitySchema,
  priority: prioritySchema,
  resolutionState: z.number().int(),
  resolutionStateName: z.string(),
  sourceObjectId: z.string().nullable(),
  sourceKind: z.enum(sourceKinds),
  workflowId: z.string().nullable(),
  category: z.string().nullable(),
  owner: z.string().nullable(),
  ticketId: z.string().nullable(),
  custom: z.record(z.string(), z.string()),
  repeatCount: z.number().int(),
  dedupeKey: z.string().nullable(),
  timeRaised: timestamp,
  timeResolved: timestamp.nullable(),
  lastModified: timestamp,
  lastModifiedBy: z.string(),
  resolvedBy: z.string().nullable(),
});
export type Alert = z.infer<typeof alertSchema>;

export const alertListSchema = z.object({
  items: z.array(alertSchema),
  nextAfterId: z.string().nullable().describe('pass as afterId for the next page; null on the last page'),
});
