// HTTP routes of policies: everyone signed in reads the definitions and the compliance; administrators (and
// identities that are Owner at the scope) list, assign and remove.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { idParams } from '../../../contract/common.js';
import {
  complianceQuery,
  complianceRecordSchema,
  createPolicyAssignmentBody,
  policyAssignmentSchema,
  policyDefinitionSchema,
} from '../../../contract/policy.js';
import { principalOf } from '../../auth.js';
import { errorResponses, typed } from '../../http.js';
import type { PolicyService } from './policy-service.js';

export function registerPolicy(fastify: FastifyInstance, policy: PolicyService): void {
  const app = typed(fastify);
  const tags = ['policy'];
  const base = '/api/v1/policy';
  const everything = app.scopes.managementGroup();

  app.get(`${base}/definitions`, {
    schema: {
      tags,
      summary: 'List the built-in policy definitions: effects, default effect, parameters',
      response: { 200: z.object({ items: z.array(policyDefinitionSchema) }), ...errorResponses },
    },
    onRequest: app.authorize('automation.read', { scope: everything }),
    handler: async () => ({ items: policy.definitions() }),
  });

  app.get(`${base}/assignments`, {
    schema: {
      tags,
      summary: "List policy assignments, the server's default one first",
      response: { 200: z.object({ items: z.array(policyAssignmentSchema) }), ...errorResponses },
    },
    onRequest: app.authorize('policy.assign', { scope: everything }),
    handler: async () => ({ items: await policy.listAssignments() }),
  });

  app.post(`${base}/assignments`, {
    schema: {
      tags,
      summary: 'Assign a policy at a scope with an effect (administrators, or Owner at the scope)',
      body: createPolicyAssignmentBody,
      response: { 201: policyAssignmentSchema, ...errorResponses },
    },
    // The scope is in the body: the service checks an identity's Owner role there.
    onRequest: app.authorize('policy.assign', { scope: 'in-handler' }),
    handler: async (req, reply) => reply.code(201).send(await policy.create(principalOf(req), req.body)),
  });

  app.delete(`${base}/assignments/:id`, {
    schema: {
      tags,
      summary: 'Remove a policy assignment (administrators, or Owner at its scope)',
      params: idParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: app.authorize('policy.assign', {
      scope: (req) => policy.scopeOf(String((req.params as { id?: unknown }).id ?? '')),
    }),
    handler: async (req, reply) => {
      await policy.remove(principalOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  });

  app.get(`${base}/compliance`, {
    schema: {
      tags,
      summary:
        'The compliance of every automation account an assignment reaches: state and reason, evaluated now',
      querystring: complianceQuery,
      response: { 200: z.object({ items: z.array(complianceRecordSchema) }), ...errorResponses },
    },
    onRequest: app.authorize('automation.read', { scope: everything }),
    handler: async (req) => ({ items: await policy.compliance(req.query) }),
  });
}
