// Identity tokens over an agent's signed channel: a hybrid job's token, asked for by the agent that runs the job
// (the loopback IDENTITY_ENDPOINT, MSI_ENDPOINT), and the computer's own token (the agent's metadata endpoint,
// R64). The token travels sealed to the agent's key; a refusal is an expected answer, in the protocols' words.
import { z } from 'zod';
import { sealedEnvelopeSchema } from './agents.js';

export const identitySelectorSchema = z.discriminatedUnion('by', [
  z.strictObject({ by: z.literal('system') }),
  z.strictObject({
    by: z.enum(['client_id', 'principal_id', 'mi_res_id']),
    value: z.string().min(1).max(1024),
  }),
]);

export const agentTokenBody = z.strictObject({
  resource: z.string().min(1).max(2048).describe("The audience: the token's aud"),
  selector: identitySelectorSchema,
});
export type AgentTokenBody = z.infer<typeof agentTokenBody>;

export const agentTokenResponse = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('issued'),
    envelope: sealedEnvelopeSchema.describe(
      'The token, sealed; associated data jobTokenAad() or computerTokenAad()',
    ),
    expiresOn: z.number().int().describe('Unix seconds'),
    notBefore: z.number().int().describe('Unix seconds'),
    resource: z.string(),
    clientId: z.string(),
  }),
  z.object({
    kind: z.literal('refused'),
    error: z.string().describe('The protocol error: invalid_request, …'),
    description: z.string(),
  }),
]);
export type AgentTokenResponse = z.infer<typeof agentTokenResponse>;

export const jobTokenAad = (agentId: string, jobId: string) => `${agentId}:${jobId}:identity-token`;
export const computerTokenAad = (agentId: string) => `${agentId}:computer-identity-token`;
