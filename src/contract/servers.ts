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
});
export type ManagementServer = z.infer<typeof serverSchema>;
