// The native management pack document (YAML or JSON): its Zod schema, from which docs/pack.schema.json is generated.
import { z } from 'zod';
import { PACK_VERSION_PATTERN } from './pack-version.js';

export const ELEMENT_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/;

export const elementIdSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(ELEMENT_ID_PATTERN, 'must be a dotted identifier like Contoso.SQL.Instance');

export const packVersionSchema = z
  .string()
  .regex(PACK_VERSION_PATTERN, 'must be a dotted numeric version of 1 to 4 parts, like 1.0.2.0')
  .meta({
    description: 'Dotted numeric version, 1 to 4 parts; missing parts count as 0.',
    examples: ['1.0.2.0'],
  });

const displayName = z.string().trim().min(1).max(256);
const description = z.string().max(4000);

/** The texts a pack is imported from; the contract imports this list without the parsers. */
export const packSourceFormats = ['yaml', 'json', 'scom-xml'] as const;
export type PackSourceFormat = (typeof packSourceFormats)[number];

export const propertyTypes = ['string', 'int', 'decimal', 'double', 'bool', 'datetime', 'guid'] as const;
export type PropertyType = (typeof propertyTypes)[number];

export const workflowKinds = ['discovery', 'rule', 'monitor', 'task'] as const;
export type WorkflowKind = (typeof workflowKinds)[number];

export const relationshipKinds = ['hosting', 'containment', 'reference'] as const;
export type RelationshipKind = (typeof relationshipKinds)[number];

export const conditionOperators = ['eq', 'ne', 'like', 'gt', 'lt', 'exists'] as const;

/** Five fields (minute…weekday) or six (seconds first); names, ranges, steps, lists, ?, L, W and # allowed. */
export const CRON_PATTERN = /^\s*[0-9A-Za-z*?/,#-]+(\s+[0-9A-Za-z*?/,#-]+){4,5}\s*$/;

export const referenceSchema = z
  .strictObject({
    id: elementIdSchema.describe('Id of the referenced pack; it must be imported and sealed.'),
    alias: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'must be letters, digits, dot or underscore')
      .max(128)
      .optional()
      .describe('Short name for the reference (kept for SCOM packs); defaults to the pack id.'),
    minVersion: packVersionSchema.describe('Oldest version of the referenced pack this pack works with.'),
  })
  .describe('Another pack whose elements this pack uses.');

export const propertySchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be letters, digits or underscore, not starting with a digit'),
  type: z.enum(propertyTypes).default('string'),
  key: z
    .boolean()
    .default(false)
    .describe('Key properties identify an object among those of its class on one host.'),
});

export const classSchema = z
  .strictObject({
    id: elementIdSchema,
    displayName: displayName.optional().describe('Defaults to the id.'),
    description: description.optional(),
    baseClass: elementIdSchema
      .optional()
      .describe(
        'Class this one derives from; required for every class except System.Entity (System.Library).',
      ),
    abstract: z.boolean().default(false).describe('An abstract class has no objects of its own.'),
    hosted: z
      .boolean()
      .default(false)
      .describe('Objects of a hosted class live on a host object (a computer or a pool).'),
    properties: z.array(propertySchema).max(200).default([]),
  })
  .describe('A type of monitored thing.');

export const relationshipSchema = z
  .strictObject({
    id: elementIdSchema,
    kind: z.enum(relationshipKinds),
    source: elementIdSchema.describe('Class at the source end (the host, for hosting).'),
    target: elementIdSchema.describe('Class at the target end (the hosted class, for hosting).'),
  })
  .describe('A relationship type between two classes.');

const conditionProperty = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be letters, digits or underscore, not starting with a digit')
  .describe('A property of the class (or its bases), or the object fields name / displayName.');
const scalar = z.union([z.string().max(4000), z.number(), z.boolean()]);

/**
 * One condition of a dynamic rule, the same shape groups use everywhere (src/domain/inventory/conditions.ts):
 * eq / ne compare as text regardless of case, like takes `*` wildcards, gt / lt compare numbers when both
 * sides are numeric, exists matches when the property is set.
 */
export const groupConditionSchema = z.discriminatedUnion('op', [
  z.strictObject({ property: conditionProperty, op: z.literal('eq'), value: scalar }),
  z.strictObject({ property: conditionProperty, op: z.literal('ne'), value: scalar }),
  z.strictObject({ property: conditionProperty, op: z.literal('like'), value: z.string().max(4000) }),
  z.strictObject({
    property: conditionProperty,
    op: z.literal('gt'),
    value: z.union([z.string().max(4000), z.number()]),
  }),
  z.strictObject({
    property: conditionProperty,
    op: z.literal('lt'),
    value: z.union([z.string().max(4000), z.number()]),
  }),
  z.strictObject({ property: conditionProperty, op: z.literal('exists') }),
]);

export const groupRuleSchema = z
  .strictObject({
    classId: elementIdSchema.describe('Objects of this class or of a class derived from it.'),
    conditions: z.array(groupConditionSchema).max(32).default([]).describe('All must hold.'),
  })
  .describe('Dynamic membership: objects of a class whose properties match every condition.');

export const groupSchema = z
  .strictObject({
    id: elementIdSchema,
    displayName: displayName.optional().describe('Defaults to the id.'),
    description: description.optional(),
    rules: z.array(groupRuleSchema).max(100).default([]),
    subgroups: z.array(elementIdSchema).max(500).default([]).describe('Groups nested in this one.'),
  })
  .describe('A group with dynamic rules and nested groups; packs cannot list explicit members.')
  .refine((g) => g.rules.length > 0 || g.subgroups.length > 0, {
    message: 'a group needs at least one rule or subgroup (packs cannot list explicit members)',
    path: ['rules'],
  });

export const profileSchema = z
  .strictObject({
    id: elementIdSchema,
    displayName: displayName.optional().describe('Defaults to the id.'),
    description: description.optional(),
    contextClass: elementIdSchema.describe('The class whose objects the profile applies to.'),
  })
  .describe('A Run As profile: workflows name it; administrators associate accounts with it.');

const timeoutSeconds = z
  .number()
  .int()
  .min(1)
  .max(86_400)
  .default(300)
  .describe('The action is stopped after this many seconds.');

export const actionSchema = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('command'),
      command: z
        .array(z.string().max(4096))
        .min(1)
        .max(256)
        .describe('Program and arguments (argv); no shell is involved.'),
      timeoutSeconds,
    }),
    z.strictObject({
      type: z.literal('script'),
      interpreter: z
        .string()
        .min(1)
        .max(64)
        .regex(/^[A-Za-z0-9._+-]+$/, 'must be a program name like bash, pwsh or python3')
        .describe('Program that runs the script: sh, bash, pwsh, powershell, python3, …'),
      script: z.string().min(1).max(262_144),
      timeoutSeconds,
    }),
  ])
  .describe('What the workflow runs.');

export const scheduleSchema = z
  .strictObject({
    intervalSeconds: z
      .number()
      .int()
      .min(10)
      .max(31 * 86_400)
      .optional(),
    cron: z
      .string()
      .max(200)
      .regex(CRON_PATTERN, 'must be a cron expression of 5 or 6 fields, like "*/5 * * * *"')
      .optional(),
  })
  .describe('When the workflow runs: every intervalSeconds, or on a cron expression (exactly one).')
  .refine((s) => (s.intervalSeconds === undefined) !== (s.cron === undefined), {
    message: 'give exactly one of intervalSeconds or cron',
  });

export const workflowSchema = z
  .strictObject({
    id: elementIdSchema,
    kind: z.enum(workflowKinds),
    displayName: displayName.optional().describe('Defaults to the id.'),
    target: elementIdSchema.describe('The class whose objects the workflow runs for.'),
    runAs: elementIdSchema
      .optional()
      .describe('Run As profile; without one the workflow runs as the default action account.'),
    action: actionSchema,
    schedule: scheduleSchema
      .optional()
      .describe('Required for discoveries, rules and monitors; tasks have none.'),
    enabled: z.boolean().default(true),
  })
  .describe('A discovery, rule, monitor or task.')
  .superRefine((w, ctx) => {
    if (w.kind === 'task' && w.schedule) {
      ctx.addIssue({
        code: 'custom',
        path: ['schedule'],
        message: 'a task runs on demand and must not have a schedule',
      });
    }
    if (w.kind !== 'task' && !w.schedule) {
      ctx.addIssue({
        code: 'custom',
        path: ['schedule'],
        message: `a ${w.kind} needs a schedule (intervalSeconds or cron)`,
      });
    }
  });

export const packDocumentSchema = z
  .strictObject({
    $schema: z.string().max(2048).optional().describe('Ignored; lets editors find docs/pack.schema.json.'),
    id: elementIdSchema.describe('The pack name, like Contoso.SQL.'),
    version: packVersionSchema,
    displayName: displayName.optional().describe('Defaults to the id.'),
    description: description.optional(),
    sealed: z
      .boolean()
      .default(false)
      .describe('Sealed packs can be referenced by other packs and change only by a newer version.'),
    references: z.array(referenceSchema).max(100).default([]),
    classes: z.array(classSchema).max(5000).default([]),
    relationships: z.array(relationshipSchema).max(5000).default([]),
    groups: z.array(groupSchema).max(5000).default([]),
    profiles: z.array(profileSchema).max(5000).default([]),
    workflows: z.array(workflowSchema).max(10_000).default([]),
  })
  .meta({
    title: 'Steward management pack',
    description:
      'Classes, relationships, groups, Run As profiles and workflows, versioned as one unit. See docs/packs.md.',
  });

export type PackDocument = z.infer<typeof packDocumentSchema>;
export type PackDocumentInput = z.input<typeof packDocumentSchema>;
export type ClassDeclaration = z.infer<typeof classSchema>;
export type WorkflowAction = z.infer<typeof actionSchema>;
export type WorkflowSchedule = z.infer<typeof scheduleSchema>;
export type GroupRule = z.infer<typeof groupRuleSchema>;
