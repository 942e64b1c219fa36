// Requests and responses for the inventory: classes, objects, computers, resource pools and groups.
import { z } from 'zod';
import { COMPUTER_CLASS, POOL_CLASS, ROOT_CLASS } from '../domain/inventory/class-tree.js';
import { descriptionSchema, displayNameSchema, elementIdSchema, limitSchema, timestamp } from './common.js';
import { textProblem } from './text.js';

export { COMPUTER_CLASS, POOL_CLASS, ROOT_CLASS };

/** Ids of the built-in resource pools (automatic membership: every live management server). */
export const builtInPoolIds = {
  allManagementServers: 'pool_all-management-servers',
  notifications: 'pool_notifications',
  automation: 'pool_automation',
} as const;

/**
 * The built-in Alert Notification Subscription Server, hosted by the Notifications Resource Pool: the
 * object a notification channel's Run As profile is resolved for (R37).
 */
export const SUBSCRIPTION_SERVER_OBJECT = 'obj_alert-notification-subscription-server';
export const SUBSCRIPTION_SERVER_CLASS = 'Steward.AlertNotificationSubscriptionServer';
/** The class of every management server's object (its id is the server's). */
export const MANAGEMENT_SERVER_CLASS = 'Microsoft.SystemCenter.ManagementServer';

// ---------------------------------------------------------------- classes

export const propertyTypes = ['string', 'int', 'double', 'bool', 'datetime', 'guid'] as const;
export const propertyTypeSchema = z.enum(propertyTypes);

export const propertyNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be letters, digits or underscore, not starting with a digit');

export const classPropertySchema = z.strictObject({ name: propertyNameSchema, type: propertyTypeSchema });

export const classSchema = z.object({
  id: z.string(),
  baseClassId: z.string().nullable().describe('null only for System.Entity'),
  displayName: z.string(),
  description: z.string(),
  abstract: z.boolean(),
  hosted: z.boolean(),
  keyProperties: z.array(z.string()),
  /** Declared on this class; inherited ones are on the base classes. Pack classes may use other type names. */
  properties: z.array(z.object({ name: z.string(), type: z.string() })),
  packId: z
    .string()
    .nullable()
    .describe('the management pack that declares it; null when made through the API'),
  createdAt: timestamp,
});
export type InventoryClass = z.infer<typeof classSchema>;

export const listClassesQuery = z.strictObject({
  base: elementIdSchema.optional().describe('only this class and the classes derived from it'),
});

export const createClassBody = z.strictObject({
  id: elementIdSchema,
  baseClassId: elementIdSchema.default(ROOT_CLASS),
  displayName: displayNameSchema.optional(),
  description: descriptionSchema.optional(),
  abstract: z.boolean().default(false),
  hosted: z.boolean().default(false),
  keyProperties: z.array(propertyNameSchema).max(16).default([]),
  properties: z.array(classPropertySchema).max(256).default([]),
});
export type CreateClassBody = z.input<typeof createClassBody>;

export const updateClassBody = z
  .strictObject({
    displayName: displayNameSchema.optional(),
    description: descriptionSchema.optional(),
    abstract: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');
export type UpdateClassBody = z.input<typeof updateClassBody>;

// ---------------------------------------------------------------- objects

export const propertyValueSchema = z.union([z.string().max(4000), z.number(), z.boolean()]);
export const propertiesSchema = z.record(propertyNameSchema, propertyValueSchema);

export const objectNameSchema = z.string().trim().min(1).max(512);

export const objectSchema = z.object({
  id: z.string(),
  classId: z.string(),
  name: z.string(),
  displayName: z.string(),
  properties: z.record(z.string(), z.unknown()),
  hostId: z.string().nullable().describe('null for computers and pools, which end every hosting chain'),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type InventoryObject = z.infer<typeof objectSchema>;

export const hostKindSchema = z.enum(['computer', 'pool']);

export const objectDetailSchema = objectSchema.extend({
  hostChain: z
    .array(z.string())
    .describe('ids from the top host down to the direct host; empty for a top host'),
  topHost: z
    .string()
    .describe('the computer or pool at the top of the chain (itself for a computer or pool)'),
  topHostKind: hostKindSchema,
});
export type InventoryObjectDetail = z.infer<typeof objectDetailSchema>;

export const listObjectsQuery = z.strictObject({
  class: elementIdSchema.optional().describe('objects of this class or a class derived from it'),
  host: z.string().min(1).max(256).optional().describe('objects hosted directly by this object'),
  computer: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe('everything hosted on this computer or pool, directly or through a chain'),
  search: z
    .string()
    .min(1)
    .max(200)
    .superRefine((v, ctx) => {
      const problem = textProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional()
    .describe('objects whose name or display name contains this text, ignoring case'),
  afterId: z.string().min(1).max(256).optional().describe('the nextAfterId of the previous page'),
  limit: limitSchema,
});

export const objectListSchema = z.object({
  items: z.array(objectSchema),
  nextAfterId: z.string().nullable().describe('pass as afterId for the next page; null on the last page'),
});

export const createObjectBody = z.strictObject({
  classId: elementIdSchema,
  hostId: z.string().min(1).max(256).describe('a computer, a pool, or another hosted object'),
  name: objectNameSchema
    .optional()
    .describe('unique per host and class; defaults to the key property values joined by "/"'),
  displayName: displayNameSchema.optional(),
  properties: propertiesSchema.default({}),
});
export type CreateObjectBody = z.input<typeof createObjectBody>;

export const updateObjectBody = z
  .strictObject({
    displayName: displayNameSchema.optional(),
    properties: propertiesSchema
      .optional()
      .describe('replaces the whole map; key property values cannot change'),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');
export type UpdateObjectBody = z.input<typeof updateObjectBody>;

export const deleteQuery = z.strictObject({
  cascade: z.enum(['true', 'false']).optional().describe('also delete every object hosted on it'),
});

export const deletedSchema = z.object({
  deleted: z.array(z.string()).describe('ids of every object deleted, the requested one first'),
});

// ---------------------------------------------------------------- computers

export const computerNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(
    /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/,
    'must be a host name',
  );

export const accountRefSchema = z
  .string()
  .regex(/^acct_[A-Za-z0-9_-]{1,200}$/, 'must be an account id like acct_…')
  .describe('an action or Windows Run As account id (R7)');

export const computerSchema = z.object({
  id: z.string(),
  name: z.string(),
  displayName: z.string(),
  classId: z.string(),
  properties: z.record(z.string(), z.unknown()),
  defaultActionAccountId: z.string().nullable(),
  registeredAt: timestamp,
  updatedAt: timestamp,
});
export type Computer = z.infer<typeof computerSchema>;

export const listComputersQuery = z.strictObject({
  afterId: z.string().min(1).max(256).optional(),
  limit: limitSchema,
});

export const computerListSchema = z.object({
  items: z.array(computerSchema),
  nextAfterId: z.string().nullable(),
});

export const createComputerBody = z.strictObject({
  name: computerNameSchema.describe('host name; unique, compared without regard to case'),
  displayName: displayNameSchema.optional(),
  classId: elementIdSchema.default(COMPUTER_CLASS).describe('System.Computer or a class derived from it'),
  properties: propertiesSchema.default({}),
  defaultActionAccountId: accountRefSchema.nullable().default(null),
});
export type CreateComputerBody = z.input<typeof createComputerBody>;

export const updateComputerBody = z
  .strictObject({
    displayName: displayNameSchema.optional(),
    defaultActionAccountId: accountRefSchema.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');
export type UpdateComputerBody = z.input<typeof updateComputerBody>;

// ---------------------------------------------------------------- pools

export const poolMembershipSchema = z.enum(['automatic', 'manual']);

export const poolMemberSchema = z.object({ id: z.string(), name: z.string(), live: z.boolean() });

export const poolSchema = z.object({
  id: z.string(),
  name: z.string(),
  displayName: z.string(),
  classId: z.string(),
  membership: poolMembershipSchema,
  builtIn: z.boolean(),
  members: z
    .array(poolMemberSchema)
    .describe('automatic: the live management servers; manual: the chosen servers, live or not'),
});
export type Pool = z.infer<typeof poolSchema>;

export const poolNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, dot, dash or underscore');

const serverIds = z.array(z.string().min(1).max(256)).max(1000);

export const createPoolBody = z
  .strictObject({
    name: poolNameSchema,
    displayName: displayNameSchema.optional(),
    membership: poolMembershipSchema,
    members: serverIds.optional().describe('management server ids; only for manual membership'),
  })
  .refine((b) => b.membership === 'manual' || b.members === undefined, {
    path: ['members'],
    message: 'only a pool with manual membership takes members',
  });
export type CreatePoolBody = z.input<typeof createPoolBody>;

export const updatePoolBody = z
  .strictObject({
    displayName: displayNameSchema.optional(),
    members: serverIds.optional().describe('replaces the members of a manual pool'),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');
export type UpdatePoolBody = z.input<typeof updatePoolBody>;

// ---------------------------------------------------------------- groups

const scalar = z.union([z.string().max(4000), z.number(), z.boolean()]);

/**
 * One property condition of a dynamic rule. `property` names a class property; `name` and
 * `displayName` also reach the object's own fields. eq/ne/like compare as text without regard to
 * case (`like` takes `*` wildcards); ne matches only when the property is present; gt/lt compare
 * numbers when both sides are numeric, otherwise text; exists matches when the property is set.
 */
export const conditionSchema = z.discriminatedUnion('op', [
  z.strictObject({ property: propertyNameSchema, op: z.literal('eq'), value: scalar }),
  z.strictObject({ property: propertyNameSchema, op: z.literal('ne'), value: scalar }),
  z.strictObject({ property: propertyNameSchema, op: z.literal('like'), value: z.string().max(4000) }),
  z.strictObject({
    property: propertyNameSchema,
    op: z.literal('gt'),
    value: z.union([z.string().max(4000), z.number()]),
  }),
  z.strictObject({
    property: propertyNameSchema,
    op: z.literal('lt'),
    value: z.union([z.string().max(4000), z.number()]),
  }),
  z.strictObject({ property: propertyNameSchema, op: z.literal('exists') }),
]);
export type Condition = z.infer<typeof conditionSchema>;
export const conditionOps = ['eq', 'ne', 'like', 'gt', 'lt', 'exists'] as const;

/** Objects of `classId` (or a class derived from it) meeting every condition. */
export const groupRuleSchema = z.strictObject({
  classId: elementIdSchema,
  conditions: z.array(conditionSchema).max(32).default([]),
});
export type GroupRule = z.infer<typeof groupRuleSchema>;

export const groupSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  description: z.string(),
  members: z.array(z.string()).describe('explicit member object ids'),
  rules: z.array(groupRuleSchema),
  subgroups: z.array(z.string()).describe('ids of nested groups'),
  packId: z.string().nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type Group = z.infer<typeof groupSchema>;

const objectIds = z.array(z.string().min(1).max(256)).max(10_000);
const groupIds = z.array(elementIdSchema).max(1000);

export const createGroupBody = z.strictObject({
  id: elementIdSchema,
  displayName: displayNameSchema.optional(),
  description: descriptionSchema.optional(),
  members: objectIds.default([]),
  rules: z.array(groupRuleSchema).max(64).default([]),
  subgroups: groupIds.default([]),
});
export type CreateGroupBody = z.input<typeof createGroupBody>;

/** Each given list replaces the current one. */
export const updateGroupBody = z
  .strictObject({
    displayName: displayNameSchema.optional(),
    description: descriptionSchema.optional(),
    members: objectIds.optional(),
    rules: z.array(groupRuleSchema).max(64).optional(),
    subgroups: groupIds.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');
export type UpdateGroupBody = z.input<typeof updateGroupBody>;

/** How an object is contained: the strongest reason wins (explicit > rule > subgroup > hosted-by). */
export const containmentSchema = z.enum(['explicit', 'rule', 'subgroup', 'hosted-by']);
export type Containment = z.infer<typeof containmentSchema>;

export const groupMemberSchema = z.object({
  objectId: z.string(),
  classId: z.string(),
  displayName: z.string(),
  via: containmentSchema,
  through: z
    .string()
    .nullable()
    .describe(
      'subgroup: the nested group it came through; hosted-by: the nearest host contained for another reason; otherwise null',
    ),
});

export const groupMembersSchema = z.object({
  groupId: z.string(),
  items: z.array(groupMemberSchema),
});
export type GroupMembers = z.infer<typeof groupMembersSchema>;
