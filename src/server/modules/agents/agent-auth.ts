// Agent authentication as an `onRequest` hook: `Authorization: Agent <assertion>`, a short-lived single-use
// EdDSA JWT signed with the agent's own key. Mirrors src/server/auth.ts; user tokens are refused here.
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
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

export function registerAgentAuth(app: FastifyInstance, agents: Pick<AgentsService, 'authenticate'>): void {
  app.decorateRequest('agent', undefined);
  app.decorate('authorizeAgent', () => {
    const handler = async (req: FastifyRequest) => {
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
      const outcome = await agents.authenticate(match[1]!, {
        method: req.method,
        path: req.url.split('?')[0]!,
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
