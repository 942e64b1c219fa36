// Requests and responses for management packs, and the Run As profiles and workflows they declare.
import { z } from 'zod';
import { packSourceFormats, relationshipKinds, workflowKinds } from '../domain/packs/pack-document.js';

export { decodePackBytes } from '../domain/packs/pack-encoding.js';

import { profileUseHows } from '../domain/packs/profile-uses.js';
import { timestamp } from './common.js';

export const packSourceFormatSchema = z.enum(packSourceFormats);
export type PackSourceFormat = z.infer<typeof packSourceFormatSchema>;

export const importPackBody = z.strictObject({
  content: z
    .string()
    .min(1)
    .describe(
      'The pack file as text (native YAML or JSON, or SCOM management pack XML), or its bytes in base64 when contentEncoding is base64.',
    ),
  contentEncoding: z
    .enum(['text', 'base64'])
    .optional()
    .describe(
      'base64: content is the file as it is on disk; the server decodes it by its byte order mark or XML declaration (UTF-8, UTF-16).',
    ),
  format: packSourceFormatSchema
    .optional()
    .describe('Sniffed when absent: a leading "<" is SCOM XML, a leading "{" JSON, anything else YAML.'),
});
export type ImportPackBody = z.infer<typeof importPackBody>;

export const skippedElementSchema = z.object({
  path: z
    .string()
    .describe("Where the element is in the source, e.g. ManagementPack/Monitoring/Rules/Rule[@ID='X']"),
  kind: z.string().describe('The SCOM element kind, e.g. Rule, UnitMonitor, DataSourceModuleType.'),
  reason: z.string(),
  missingPack: z
    .string()
    .optional()
    .describe('The pack this element waits for: import it and this pack is completed.'),
});
export type SkippedElement = z.infer<typeof skippedElementSchema>;

export const elementCountsSchema = z.object({
  classes: z.number().int(),
  relationships: z.number().int(),
  groups: z.number().int(),
  profiles: z.number().int(),
  workflows: z.number().int(),
});
export type ElementCounts = z.infer<typeof elementCountsSchema>;

export const packSummarySchema = z.object({
  id: z.string(),
  version: z.string(),
  displayName: z.string(),
  description: z.string(),
  sealed: z.boolean(),
  builtIn: z.boolean(),
  format: z.enum(['native', 'scom-xml']),
  importedAt: timestamp,
  importedBy: z.string(),
});
export type PackSummary = z.infer<typeof packSummarySchema>;

export const packReferenceSchema = z.object({
  id: z.string().describe('The referenced pack.'),
  alias: z.string(),
  minVersion: z.string(),
  version: z.string().describe('The version of the referenced pack imported now.'),
});

export const profileUseSchema = z.object({
  elementId: z.string().describe('The SCOM workflow or module type that runs as the profile.'),
  elementKind: z.string().describe('Rule, UnitMonitor, Discovery, Task, DataSourceModuleType, …'),
  profileId: z.string(),
  targetClassId: z
    .string()
    .nullable()
    .describe('The class the workflow targets: the profile is used for its objects. Null for a module type.'),
  path: z.string().describe('Where the profile is named: a …/@RunAs attribute or a $RunAs[…]$ substitution.'),
  via: z
    .string()
    .nullable()
    .describe('The module type of the same pack that names the profile, when used through it.'),
  how: z.enum(profileUseHows),
});
export type ProfileUseDto = z.infer<typeof profileUseSchema>;

export const packDetailSchema = packSummarySchema.extend({
  counts: elementCountsSchema,
  references: z.array(packReferenceSchema),
  dependents: z
    .array(z.string())
    .describe('Packs that reference this one; while any exist it cannot be deleted.'),
  skipped: z.array(skippedElementSchema),
  profileUses: z
    .array(profileUseSchema)
    .describe('SCOM workflows and module types of this pack that run as a profile: not run, but counted.'),
});
export type PackDetail = z.infer<typeof packDetailSchema>;

export const importOutcomes = ['imported', 'upgraded', 'unchanged', 'completed'] as const;

export const missingReferenceSchema = z.object({
  packId: z.string().describe('The referenced pack that is not imported: import it first.'),
  alias: z.string(),
  minVersion: z.string(),
  neededBy: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .describe('Each element that names something of that pack, and what was done with it meanwhile.'),
});
export type MissingReference = z.infer<typeof missingReferenceSchema>;

export const importPackResponse = z.object({
  outcome: z
    .enum(importOutcomes)
    .describe(
      'imported (201): new pack; upgraded (200): newer version replaced the old; unchanged (200); completed (200): the same version again, now with elements that waited for a pack imported since.',
    ),
  previousVersion: z.string().nullable(),
  changes: z
    .object({ added: elementCountsSchema, updated: elementCountsSchema, removed: elementCountsSchema })
    .describe('Elements added, changed and removed by this import.'),
  missingReferences: z
    .array(missingReferenceSchema)
    .describe(
      'Referenced packs that are not imported; the elements that need them were left out or widened. Import those packs: this one is then completed.',
    ),
  completed: z
    .array(z.string())
    .describe('Packs that were waiting for this one and were completed by this import.'),
  pack: packDetailSchema,
});
export type ImportPackResponse = z.infer<typeof importPackResponse>;

export const exportPackResponse = z.object({
  id: z.string(),
  version: z.string(),
  format: packSourceFormatSchema,
  content: z.string().describe('Exactly the text that was imported.'),
});
export type ExportPackResponse = z.infer<typeof exportPackResponse>;

export const deletePackResponse = z.object({
  id: z.string(),
  version: z.string(),
  removed: elementCountsSchema,
  associationsRemoved: z.array(z.string()).describe('account associations removed with cascade=true'),
});

export const deletePackQuery = z.strictObject({
  cascade: z
    .enum(['true', 'false'])
    .optional()
    .describe("also remove the account associations of the pack's profiles"),
});
export type DeletePackResponse = z.infer<typeof deletePackResponse>;

export const packListResponse = z.object({ items: z.array(packSummarySchema) });

export const profileSchema = z.object({
  id: z.string(),
  packId: z.string(),
  displayName: z.string(),
  description: z.string(),
  contextClassId: z.string(),
  workflowCount: z.number().int().describe('Workflows that run as this profile.'),
  useCount: z
    .number()
    .int()
    .describe('SCOM workflows and module types that run as this profile (profile uses: counted, not run).'),
  createdBy: z
    .string()
    .nullable()
    .describe('Who made the profile by hand (steward profile create); null when its pack declares it.'),
  createdAt: timestamp,
});
export type Profile = z.infer<typeof profileSchema>;

export const profileDetailSchema = profileSchema.extend({
  workflows: z
    .array(z.object({ id: z.string(), packId: z.string(), kind: z.string(), targetClassId: z.string() }))
    .describe('Native workflows that run as the profile.'),
  uses: z.array(profileUseSchema.extend({ packId: z.string() })),
});
export type ProfileDetail = z.infer<typeof profileDetailSchema>;

export const createProfileBody = z.strictObject({
  displayName: z.string().trim().min(1).max(256).describe('The name people see, e.g. External Mail Account.'),
  description: z.string().max(4000).optional(),
  packId: z
    .string()
    .min(1)
    .max(256)
    .describe(
      'The unsealed pack that keeps the profile (destination management pack), e.g. Microsoft.SystemCenter.Notifications.Internal.',
    ),
  id: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe('Defaults to the pack id and the display name in one word: <pack>.ExternalMailAccount.'),
  contextClassId: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe('The class the profile applies to; defaults to System.Entity (any class), as SCOM does.'),
});

export const deleteProfileQuery = z.strictObject({
  cascade: z.enum(['true', 'false']).optional().describe("also remove the profile's account associations"),
});
export const deleteProfileResponse = z.object({
  id: z.string(),
  associationsRemoved: z.array(z.string()),
});

export const profileListQuery = z.strictObject({ packId: z.string().min(1).max(256).optional() });
export const profileListResponse = z.object({ items: z.array(profileSchema) });

export const workflowActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('command'), command: z.array(z.string()), timeoutSeconds: z.number().int() }),
  z.object({
    type: z.literal('script'),
    interpreter: z.string(),
    script: z.string(),
    timeoutSeconds: z.number().int(),
  }),
]);

export const workflowScheduleSchema = z.union([
  z.object({ intervalSeconds: z.number().int() }),
  z.object({ cron: z.string() }),
]);

export const workflowSchema = z.object({
  id: z.string(),
  packId: z.string(),
  kind: z.enum(workflowKinds),
  displayName: z.string(),
  targetClassId: z.string(),
  profileId: z.string().nullable(),
  action: workflowActionSchema,
  schedule: workflowScheduleSchema.nullable(),
  enabled: z.boolean(),
  createdAt: timestamp,
});
export type Workflow = z.infer<typeof workflowSchema>;

export const workflowListQuery = z.strictObject({
  packId: z.string().min(1).max(256).optional(),
  profileId: z.string().min(1).max(256).optional(),
  targetClassId: z.string().min(1).max(256).optional(),
  kind: z.enum(workflowKinds).optional(),
});
export const workflowListResponse = z.object({ items: z.array(workflowSchema) });

export { packSourceFormats, relationshipKinds, workflowKinds };
