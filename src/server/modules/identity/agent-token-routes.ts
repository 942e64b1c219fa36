// HTTP routes for identity tokens that agents ask for, on their signed channel: a token for a hybrid job's
// identity (the job's loopback IDENTITY_ENDPOINT and MSI_ENDPOINT on the agent), and one for the computer's own
// identity (the agent's metadata endpoint, R64); and the administrators' routes that turn a computer's identity
// on or off, for a computer or a worker group. Tokens travel sealed to the agent's key.
import type { KeyObject } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  type AgentTokenResponse,
  agentTokenBody,
  agentTokenResponse,
  computerTokenAad,
  jobTokenAad,
} from '../../../contract/agent-tokens.js';
import { idParams } from '../../../contract/common.js';
import { errorBodySchema } from '../../../contract/errors.js';
import {
  computerIdentitySchema,
  setComputerIdentityBody,
  workerGroupIdentitySchema,
} from '../../../contract/identities.js';
import { sealTo } from '../../../crypto/agent-keys.js';
import { principalOf } from '../../auth.js';
import { errorResponses, typed } from '../../http.js';
import { agentOf } from '../agents/agent-auth.js';
import type { HybridJobs } from '../automation/hybrid-jobs-service.js';
import type { ComputerIdentityService } from './computer-identity-service.js';
import type { TokenAnswer, TokenService } from './token-service.js';

export interface AgentTokenRouteDeps {
  tokens: Pick<TokenService, 'issue' | 'issueForComputer'>;
  hybrid: Pick<HybridJobs, 'heldJob'>;
  computers: ComputerIdentityService;
}

const agentErrors = {
  400: errorBodySchema,
  401: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
} as const;

/** The answer to the agent: the token sealed to its key with `aad`, or the refusal in the protocol's words. */
function sealed(answer: TokenAnswer, sealingKey: KeyObject, aad: string): AgentTokenResponse {
  if (answer.kind === 'refused') return answer;
  return {
    kind: 'issued',
    envelope: sealTo(sealingKey, answer.accessToken, aad),
    expiresOn: answer.expiresOn,
    notBefore: answer.notBefore ?? Math.floor(Date.now() / 1000),
    resource: answer.resource,
    clientId: answer.clientId,
  };
}

/** Registers after `registerAgents` (for `app.authorizeAgent()`). */
export function registerAgentTokens(fastify: FastifyInstance, d: AgentTokenRouteDeps): void {
  const app = typed(fastify);
  const tags = ['identity'];
  const admin = app.authorize('agents.manage');

  app.post('/api/v1/agent/jobs/:id/identity-token', {
    schema: {
      tags,
      summary:
        'A token for an identity of the account of a hybrid job this agent runs, sealed to its key (audited with the job and agent); user-assigned identities too',
      params: idParams,
      body: agentTokenBody,
      response: { 200: agentTokenResponse, ...agentErrors },
    },
    onRequest: app.authorizeAgent(),
    handler: async (req) => {
      const agent = agentOf(req);
      const job = await d.hybrid.heldJob(agent.agentId, req.params.id);
      const answer = await d.tokens.issue(
        { jobId: job.id, automationAccountId: job.automationAccountId, worker: agent.agentId },
        req.body.selector,
        req.body.resource,
      );
      return sealed(answer, agent.sealingKey, jobTokenAad(agent.agentId, job.id));
    },
  });

  app.post('/api/v1/agent/identity/token', {
    schema: {
      tags,
      summary:
        "A token for this agent's computer's own identity, when an administrator turned it on (R64), sealed to its key and audited",
      body: agentTokenBody,
      response: { 200: agentTokenResponse, ...agentErrors },
    },
    onRequest: app.authorizeAgent(),
    handler: async (req) => {
      const agent = agentOf(req);
      const answer = await d.tokens.issueForComputer(
        { agentId: agent.agentId, computerName: agent.computerName },
        req.body.selector,
        req.body.resource,
      );
      return sealed(answer, agent.sealingKey, computerTokenAad(agent.agentId));
    },
  });

  app.get('/api/v1/agents/:id/identity', {
    schema: {
      tags,
      summary: "A computer's own identity at its agent's metadata endpoint: on or off, and why",
      params: idParams,
      response: { 200: computerIdentitySchema, ...errorResponses },
    },
    onRequest: admin,
    handler: async (req) => d.computers.show(req.params.id),
  });

  app.put('/api/v1/agents/:id/identity', {
    schema: {
      tags,
      summary:
        "Turn a computer's own identity on or off (its principal is made the first time and kept); audited",
      params: idParams,
      body: setComputerIdentityBody,
      response: { 200: computerIdentitySchema, ...errorResponses },
    },
    onRequest: admin,
    handler: async (req) => d.computers.setForComputer(principalOf(req), req.params.id, req.body.enabled),
  });

  app.put('/api/v1/worker-groups/:id/identity', {
    schema: {
      tags,
      summary: 'Turn the computer identity of every agent of a worker group on or off; audited',
      params: idParams,
      body: setComputerIdentityBody,
      response: { 200: workerGroupIdentitySchema, ...errorResponses },
    },
    onRequest: admin,
    handler: async (req) => d.computers.setForGroup(principalOf(req), req.params.id, req.body.enabled),
  });
}
