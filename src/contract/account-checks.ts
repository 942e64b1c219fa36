// Run As account checks an agent makes on its own computer (domain-spec R29–R32, S17) and reports.
import { z } from 'zod';
import { healthStates } from '../domain/runtime/workflow-output.js';

/**
 * `logon`: the user exists and may log on (not locked, not expired) — R30.
 * `logon-type`: the user may log on interactively (has a login shell) — R29.
 * `expiry`: the account or its password expires soon — R31.
 * `action-account-type`: the default action account is of a type that can be one — S17.
 */
export const accountChecks = ['logon', 'logon-type', 'expiry', 'action-account-type'] as const;
export type AccountCheckKind = (typeof accountChecks)[number];

export const accountCheckSchema = z.strictObject({
  accountId: z.string().min(1).max(256),
  check: z.enum(accountChecks),
  state: z.enum(healthStates),
  message: z.string().max(1000).describe('why, in words; never a secret'),
});
export type AccountCheck = z.infer<typeof accountCheckSchema>;

export const reportAccountChecksBody = z.strictObject({
  checks: z.array(accountCheckSchema).max(1000).describe('the current state of every check this agent makes'),
});

export const reportAccountChecksResponse = z.object({
  accepted: z.number().int(),
  refused: z.array(z.object({ index: z.number().int(), accountId: z.string(), reason: z.string() })),
});
