// Requests and responses of the notification API: channels, subscribers, subscriptions and deliveries.
import { z } from 'zod';
import { descriptionSchema, displayNameSchema, isoDate, limitSchema, timestamp } from './common.js';
import { criteriaSchema, scheduleSchema } from './notify.js';

export const channelKinds = ['email', 'im', 'sms', 'teams', 'command'] as const;
export type ChannelKind = (typeof channelKinds)[number];
export const channelKindSchema = z.enum(channelKinds);

const id = z.string().min(1).max(256);

// ---------------------------------------------------------------- channels

export const channelHealthSchema = z
  .discriminatedUnion('state', [
    z.object({ state: z.literal('ok') }),
    z.object({
      state: z.literal('paused'),
      cause: z
        .enum(['unreachable', 'account'])
        .describe('unreachable: no server or gateway took a message; account: missing or not distributed'),
      reason: z.string(),
      since: timestamp,
      failedProbes: z.number().int(),
      nextProbeAt: timestamp.describe('when its oldest waiting delivery is tried again'),
    }),
  ])
  .describe('paused: the channel failed as a whole; its deliveries wait and are sent when it answers again');

export const channelSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: channelKindSchema,
  enabled: z.boolean(),
  profileId: z
    .string()
    .nullable()
    .describe('the Run As profile whose account the channel signs in with; null: anonymous'),
  settings: z.record(z.string(), z.unknown()).describe('the settings of the channel kind (never a secret)'),
  health: channelHealthSchema,
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const channelListResponse = z.object({ items: z.array(channelSchema) });

// ---------------------------------------------------------------- subscribers

const addressFields = {
  name: displayNameSchema,
  kind: channelKindSchema,
  address: z
    .string()
    .max(2048)
    .describe(
      'email: user@domain; im: sip:user@domain; sms: sms:+number; teams: the channel link or webhook URL; command: empty',
    ),
  schedule: scheduleSchema.default([]).describe('the address’s own schedule; empty: always (R42)'),
};

/**
 * How an https address reads back: its host and a fingerprint of the whole address, the rest being a key that is
 * never read back.
 */
export const shownHttpsAddress = /^https:\/\/[^/?#\s]+\/… \(fingerprint [0-9a-f]{12}\)$/;

const addressOfKind =
  (mayKeep: boolean) => (a: { kind: ChannelKind; address: string }, ctx: z.RefinementCtx) => {
    if (mayKeep && shownHttpsAddress.test(a.address)) return;
    const problem = addressProblem(a.kind, a.address);
    if (problem) ctx.addIssue({ code: 'custom', path: ['address'], message: problem });
  };

/** An address of one channel kind; its own schedule narrows the subscriber's (R42). */
export const addressSchema = z.strictObject(addressFields).superRefine(addressOfKind(false));

/** An address in a change: an https address given as it reads back keeps the stored address it names. */
export const changedAddressSchema = z
  .strictObject({
    ...addressFields,
    address: addressFields.address.describe(
      'as for a new address; or an https address exactly as it reads back (host and fingerprint), to keep it',
    ),
  })
  .superRefine(addressOfKind(true));

/** Why an address does not fit its kind, or undefined. */
export function addressProblem(kind: ChannelKind, address: string): string | undefined {
  switch (kind) {
    case 'email':
      return /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/.test(address)
        ? undefined
        : 'must be an e-mail address like ops@contoso.com';
    case 'im':
      return /^sip:[^\s@]+@[^\s@]+$/.test(address)
        ? undefined
        : 'must be a sip: address like sip:ops@contoso.com';
    case 'sms':
      return /^sms:\+?[0-9]{3,20}$/.test(address)
        ? undefined
        : 'must be sms: and a number, like sms:+15551234567';
    case 'teams':
      return /^https:\/\/\S+$/.test(address)
        ? undefined
        : 'must be the https link of a Teams channel or webhook';
    case 'command':
      return address === '' ? undefined : 'must be empty: a command channel has no address';
  }
}

export const subscriberBody = z.strictObject({
  name: displayNameSchema,
  schedule: scheduleSchema.default([]).describe('the subscriber’s schedule; empty: always (R42)'),
  addresses: z.array(addressSchema).min(1).max(20),
});

export const subscriberPatchBody = z.strictObject({
  name: displayNameSchema.optional(),
  schedule: scheduleSchema.optional(),
  addresses: z.array(changedAddressSchema).min(1).max(20).optional(),
});

export const subscriberSchema = z.object({
  id: z.string(),
  name: z.string(),
  schedule: z.array(z.record(z.string(), z.unknown())),
  addresses: z.array(
    z.object({
      name: z.string(),
      kind: channelKindSchema,
      address: z
        .string()
        .describe(
          'an https address (Teams link or webhook URL) shows only its host and a fingerprint: it is write-only',
        ),
      schedule: z.array(z.record(z.string(), z.unknown())),
    }),
  ),
  createdBy: z
    .string()
    .nullable()
    .describe('id of the user who made it: besides administrators, only they change or delete it (R34)'),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const subscriberListResponse = z.object({ items: z.array(subscriberSchema) });

// ---------------------------------------------------------------- subscriptions

const recipientList = z.array(id).max(100);

const subscriptionFields = {
  name: displayNameSchema,
  description: descriptionSchema.optional(),
  enabled: z.boolean().default(true),
  criteria: criteriaSchema.default({}).describe('every condition must hold; none: every alert (R43)'),
  to: recipientList.min(1).describe('subscriber ids'),
  cc: recipientList.default([]).describe('subscriber ids; e-mail Cc'),
  bcc: recipientList.default([]).describe('subscriber ids; e-mail Bcc'),
  channelIds: z.array(id).min(1).max(10),
  delaySeconds: z
    .number()
    .int()
    .min(0)
    .max(86_400)
    .default(0)
    .describe('alert aging: notify only alerts that keep matching this long (R45)'),
  onlyOnResolutionChange: z
    .boolean()
    .default(false)
    .describe('after the first notification, only resolution-state changes notify (R44)'),
};

export const subscriptionBody = z.strictObject(subscriptionFields);

export const subscriptionPatchBody = z.strictObject({
  name: displayNameSchema.optional(),
  description: descriptionSchema.optional(),
  enabled: z.boolean().optional(),
  criteria: criteriaSchema.optional(),
  to: recipientList.min(1).optional(),
  cc: recipientList.optional(),
  bcc: recipientList.optional(),
  channelIds: z.array(id).min(1).max(10).optional(),
  delaySeconds: subscriptionFields.delaySeconds.removeDefault().optional(),
  onlyOnResolutionChange: z.boolean().optional(),
});

export const subscriptionSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  criteria: z.record(z.string(), z.unknown()),
  to: z.array(z.string()),
  cc: z.array(z.string()),
  bcc: z.array(z.string()),
  channelIds: z.array(z.string()),
  delaySeconds: z.number().int(),
  onlyOnResolutionChange: z.boolean(),
  createdBy: z
    .string()
    .nullable()
    .describe('id of the user who made it: besides administrators, only they change or delete it (R34)'),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const subscriptionListResponse = z.object({ items: z.array(subscriptionSchema) });

// ---------------------------------------------------------------- deliveries

export const deliveryStatuses = [
  'pending',
  'claimed',
  'sending',
  'retry',
  'sent',
  'dead',
  'skipped',
  'unknown',
] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export const deliveryListQuery = z.strictObject({
  status: z.enum(deliveryStatuses).optional(),
  alert: id.optional(),
  subscription: id.optional(),
  limit: limitSchema,
});

export const deliverySchema = z.object({
  id: z.string(),
  alertId: z.string(),
  reason: z.string().describe('started-matching, resolution-changed or updated'),
  subscriptionId: z.string(),
  subscriptionIds: z
    .array(z.string())
    .describe('every subscription the message serves: one message per address and alert change'),
  channelId: z.string(),
  subscriberId: z.string(),
  address: z.string().describe('an https address shows only its host and a fingerprint'),
  role: z.enum(['to', 'cc', 'bcc']),
  status: z.enum(deliveryStatuses),
  attempts: z.number().int(),
  nextAttemptAt: timestamp,
  sentAt: timestamp.nullable(),
  lastError: z.string().nullable().describe('why the last attempt failed, or why it was not sent'),
  detail: z.string().nullable().describe('what the channel said when it was sent'),
  createdAt: timestamp,
});

export const deliveryListResponse = z.object({ items: z.array(deliverySchema) });

export const RESEND_MAX = 10_000;

export const resendBody = z
  .strictObject({
    ids: z.array(id).min(1).max(1000).optional().describe('these deliveries'),
    status: z
      .enum(['dead', 'unknown'])
      .optional()
      .describe('every delivery in this status (with the other filters)'),
    channelId: id.optional().describe('only deliveries through this channel'),
    since: isoDate.optional().describe('only deliveries queued at or after this time'),
    until: isoDate.optional().describe('only deliveries queued at or before this time'),
    dryRun: z.boolean().default(false).describe('say what would be sent again, and change nothing'),
    force: z
      .boolean()
      .default(false)
      .describe('also send again deliveries whose outcome is unknown: they may have been sent already'),
  })
  .refine((b) => b.ids !== undefined || b.status !== undefined, {
    message: 'give ids, or a status (dead or unknown) to choose deliveries by',
    path: ['status'],
  });

export const resendResponse = z.object({
  dryRun: z.boolean(),
  matched: z.number().int().describe('deliveries the filters chose'),
  resent: z.number().int().describe('queued to be sent again (0 in a dry run)'),
  items: z.array(deliverySchema).describe('the deliveries that are (or would be) sent again, at most 1000'),
  refused: z
    .array(z.object({ id: z.string(), status: z.enum(deliveryStatuses), reason: z.string() }))
    .describe('chosen deliveries that are not sent again, and why'),
});
