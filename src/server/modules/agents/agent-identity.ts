// How agents are named to people and answered when they are not who they say: the audit actor of an agent's own
// requests, the prefix of enrollment tokens, and the refusal that asks an agent to authenticate.
import { AppError } from '../../errors.js';

export const ENROLLMENT_TOKEN_PREFIX = 'stw_enroll_';

/** The audit actor of an agent's own requests. */
export const agentActor = (agentId: string) => `agent:${agentId}`;

export const unauthenticated = (message: string) =>
  new AppError('UNAUTHENTICATED', message, undefined, { 'www-authenticate': 'Agent' });
