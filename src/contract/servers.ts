// Responses describing management servers.
import { z } from 'zod';
import { timestamp } from './common.js';

export const serverSchema = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string(),
  version: z.string(),
  startedAt: timestamp,
  heartbeatAt: timestamp,
  live: z.boolean(),
  defaultActionAccountId: z
    .string()
    .nullable()
    .describe('The account pool-hosted workflows run as on this server when no profile association applies.'),
});
export type ManagementServer = z.infer<typeof serverSchema>;

export const setServerActionAccountBody = z.strictObject({
  accountId: z
    .string()
    .min(1)
    .max(256)
    .nullable()
    .describe(
      'An action or Windows account (R7); null: pool work on this server runs as the server process user.',
    ),
});
