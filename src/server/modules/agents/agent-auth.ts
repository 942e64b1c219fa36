// Agent authentication as an `onRequest` hook: `Authorization: Agent <assertion>`, a short-lived single-use
// EdDSA JWT signed with the agent's own key. Mirrors src/server/auth.ts; user tokens are refused here.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AUDIENCE_HEADER, EMPTY_BODY_DIGEST } from '../../../crypto/agent-keys.js';
import { AppError } from '../../errors.js';
import type { AgentPrincipal, AgentsService } from './agents-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    agent?: AgentPrincipal;
  }
  interface FastifyInstance {
    /** Requires a valid, unused assertion from an approved agent. */
    authorizeAgent(): onRequestAsyncHookHandler;
  }
}

export function agentOf(req: FastifyRequest): AgentPrincipal {
  if (!req.agent) throw new AppError('UNAUTHENTICATED', 'This endpoint is for enrolled agents.');
  return req.agent;
}

export function registerAgentAuth(
  app: FastifyInstance,
  agents: Pick<AgentsService, 'authenticate' | 'assertionAudience'>,
): void {
  app.decorateRequest('agent', undefined);
  // The body is read after authentication: once it has been, it must be the one the assertion was made for.
  app.addHook('preValidation', async (req) => {
    if (req.agent && req.agent.bodyDigest !== (req.bodyDigest ?? EMPTY_BODY_DIGEST)) {
      throw new AppError(
        'UNAUTHENTICATED',
        'The assertion was made for another request body: sign a fresh one for each request.',
        undefined,
        { 'www-authenticate': 'Agent error="invalid_assertion"' },
      );
    }
  });
  app.decorate('authorizeAgent', () => {
    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      // On every answer, refusals too: the audience an agent's next assertions are made for here.
      reply.header(AUDIENCE_HEADER, agents.assertionAudience);
      const header = req.headers.authorization;
      const match = header ? /^Agent\s+(\S{1,4096})$/i.exec(header) : null;
      if (!match) {
        throw new AppError(
          'UNAUTHENTICATED',
          'This endpoint is for enrolled agents: send "Authorization: Agent <assertion>".',
          undefined,
          { 'www-authenticate': 'Agent' },
        );
      }
      const q = req.url.indexOf('?');
      const outcome = await agents.authenticate(match[1]!, {
        method: req.method,
        path: q < 0 ? req.url : req.url.slice(0, q),
        query: q < 0 ? '' : req.url.slice(q + 1),
      });
      if (outcome.kind === 'refused') {
        throw new AppError(outcome.code, outcome.message, undefined, {
          'www-authenticate': 'Agent error="invalid_assertion"',
        });
      }
      req.agent = outcome.agent;
    };
    // Read by the route-policy list in app.ts: an agent route is authenticated, by an agent, with no role.
    return Object.assign(handler, { permission: undefined, authenticates: true, agent: true });
  });
}
