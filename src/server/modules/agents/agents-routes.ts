// HTTP routes for agents: administrators make, list and revoke enrollment tokens, list, approve and revoke
// agents; agents enroll, long-poll their configuration and fetch credentials sealed to their own key.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  agentConfigQuery,
  type agentConfigSchema,
  agentConfigWithCredentialsSchema,
  agentListQuery,
  agentSchema,
  createEnrollmentTokenBody,
  credentialsBody,
  credentialsResponse,
  enrollBody,
  enrollmentTokenListSchema,
  enrollmentTokenSchema,
  enrollResponse,
} from '../../../contract/agents.js';
import { idParams } from '../../../contract/common.js';
import { errorBodySchema } from '../../../contract/errors.js';
import { accountsInUse } from '../../../domain/resolution/accounts-in-use.js';
import type { RunnerConfig } from '../../../domain/resolution/resolution-engine.js';
import { principalOf } from '../../auth.js';
import { errorResponses, iso, isoOrNull, typed } from '../../http.js';
import { longPollSignal } from '../../long-poll.js';
import { agentOf, registerAgentAuth } from './agent-auth.js';
import type { AgentsService } from './agents-service.js';
import type { EnrollmentTokens } from './enrollment-tokens.js';

const agentErrors = { 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema } as const;

/**
 * A POST that changes nothing resolution follows (the body only says which credentials are wanted; what it
 * writes is the delivery's audit record): no catch-up after it, so a reconnecting fleet's deliveries do not
 * each start one.
 */
export const CREDENTIALS_ROUTE = '/api/v1/agent/credentials';

// A configuration is serialized once, field by field as the response schema documents it, and sent as is until it
// changes: a change reaching the whole fleet builds one body per agent, not a schema check of every entry.
const serialized = new WeakMap<RunnerConfig, string>();
function serializedConfig(config: RunnerConfig): string {
  let body = serialized.get(config);
  if (body === undefined) {
    const answer: z.output<typeof agentConfigSchema> = {
      healthServiceId: config.runnerId,
      tag: config.tag,
      defaultActionAccountId: config.defaultActionAccountId,
      entries: config.entries.map(({ workflowId, objectId, resolution }) => ({
        workflowId,
        objectId,
        resolution,
      })),
      accounts: config.accounts.map(({ id, version }) => ({ id, version })),
    };
    body = JSON.stringify(answer);
    serialized.set(config, body);
  }
  return body;
}

export function registerAgents(
  fastify: FastifyInstance,
  agents: AgentsService,
  opts: { tlsFingerprint?: () => string; enrollmentTokens?: EnrollmentTokens } = {},
): void {
  registerAgentAuth(fastify, agents);
  const app = typed(fastify);
  const tags = ['agents'];
  const admin = app.authorize('agents.manage');

  app.post('/api/v1/agents/enrollment-tokens', {
    schema: {
      tags,
      summary: 'Make a single-use enrollment token for one computer (shown once)',
      body: createEnrollmentTokenBody,
      response: { 201: enrollmentTokenSchema, ...errorResponses },
    },
    onRequest: admin,
    handler: async (req, reply) => {
      const t = await agents.createEnrollmentToken(principalOf(req), req.body);
      return reply.code(201).send({
        ...t,
        expiresAt: iso(t.expiresAt),
        serverCertificateSha256: opts.tlsFingerprint?.() ?? null,
      });
    },
  });

  const tokens = opts.enrollmentTokens;
  if (tokens) {
    app.get('/api/v1/agents/enrollment-tokens', {
      schema: {
        tags,
        summary:
          'Enrollment tokens made, newest first: whom each enrolls, and whether it was used (never the token)',
        response: { 200: enrollmentTokenListSchema, ...errorResponses },
      },
      onRequest: admin,
      handler: async () => ({
        items: (await tokens.list()).map((t) => ({
          ...t,
          createdAt: iso(t.createdAt),
          expiresAt: iso(t.expiresAt),
          usedAt: isoOrNull(t.usedAt),
        })),
      }),
    });

    app.delete('/api/v1/agents/enrollment-tokens/:id', {
      schema: {
        tags,
        summary: 'Revoke an unused enrollment token: it can no longer enroll an agent',
        params: idParams,
        response: { 204: z.null(), ...errorResponses },
      },
      onRequest: admin,
      handler: async (req, reply) => {
        await tokens.revoke(principalOf(req), req.params.id);
        return reply.code(204).send(null);
      },
    });
  }

  app.get('/api/v1/agents', {
    schema: {
      tags,
      summary: 'Agents with their status, computer and when each was last seen',
      querystring: agentListQuery,
      response: { 200: z.object({ items: z.array(agentSchema) }), ...errorResponses },
    },
    onRequest: admin,
    handler: async (req) => ({
      items: (await agents.list(req.query.status)).map((a) => ({
        ...a,
        enrolledAt: iso(a.enrolledAt),
        lastSeenAt: isoOrNull(a.lastSeenAt),
      })),
    }),
  });

  for (const action of ['approve', 'revoke'] as const) {
    app.post(`/api/v1/agents/:id/${action}`, {
      schema: {
        tags,
        summary:
          action === 'approve'
            ? 'Approve a pending agent (by id or computer name), registering its computer if needed'
            : 'Revoke an agent: its assertions are refused from now on',
        params: idParams,
        response: {
          200: z.object({ id: z.string(), status: z.enum(['approved', 'revoked']) }),
          ...errorResponses,
        },
      },
      onRequest: admin,
      handler: async (req) => {
        const p = principalOf(req);
        const id =
          action === 'approve'
            ? await agents.approve(p, req.params.id)
            : await agents.revoke(p, req.params.id);
        return { id, status: action === 'approve' ? ('approved' as const) : ('revoked' as const) };
      },
    });
  }

  // Open by design: the token (or an administrator's later approval) is what admits the agent.
  app.post('/api/v1/agent/enroll', {
    schema: {
      tags,
      summary: 'Enroll an agent: with a token it is approved at once, without one it waits for approval',
      security: [],
      body: enrollBody,
      response: { 201: enrollResponse, 409: errorBodySchema, ...agentErrors },
    },
    handler: async (req, reply) => reply.code(201).send(await agents.enroll(req.body)),
  });

  app.get('/api/v1/agent/config', {
    schema: {
      tags,
      summary:
        'The agent’s configuration; with `tag` and `waitSeconds`, waits up to that long for a change (304 if none); with `include=credentials`, the credentials it names come with it, sealed',
      querystring: agentConfigQuery,
      response: { 200: agentConfigWithCredentialsSchema, 304: z.null(), ...agentErrors },
    },
    onRequest: app.authorizeAgent(),
    handler: async (req, reply) => {
      const { signal, release } = longPollSignal(reply);
      try {
        const out = await agents.config(agentOf(req).agentId, {
          tag: req.query.tag,
          waitSeconds: req.query.waitSeconds,
          signal,
        });
        if (out.kind === 'unchanged') return reply.code(304).header('etag', `"${out.tag}"`).send(null);
        reply.header('etag', `"${out.config.tag}"`).type('application/json; charset=utf-8');
        // Already serialized: a string is sent as is.
        const config = serializedConfig(out.config);
        if (req.query.include !== 'credentials') return reply.send(config as never);
        // Every account the configuration runs as, at the version it names: one request for an agent that holds
        // none, instead of a second one for its credentials.
        const sealed: z.output<typeof credentialsResponse> = await agents.credentials(
          agentOf(req),
          accountsInUse(out.config),
        );
        return reply
          .header('cache-control', 'no-store')
          .send(`${config.slice(0, -1)},"credentials":${JSON.stringify(sealed)}}` as never);
      } finally {
        release();
      }
    },
  });

  app.post(CREDENTIALS_ROUTE, {
    schema: {
      tags,
      summary:
        'Credentials distributed to this agent, each sealed to its key; anything else is left out (and audited)',
      body: credentialsBody,
      response: { 200: credentialsResponse, ...agentErrors },
    },
    onRequest: app.authorizeAgent(),
    // Built field by field from typed values (the schema above documents it): serialized as is rather than
    // checked again, envelope by envelope, in a reconnecting fleet's hundreds of thousands.
    handler: async (req, reply) => {
      const answer: z.output<typeof credentialsResponse> = await agents.credentials(
        agentOf(req),
        req.body.accounts,
      );
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(answer) as never);
    },
  });
}
