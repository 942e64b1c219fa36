// HTTP routes for role assignments: administrators (and identities that are Owner on the scope) assign and
// remove; every signed-in person, and identities with a role that reads them, list.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { idParams } from '../../../contract/common.js';
import {
  createRoleAssignmentBody,
  roleAssignmentListQuery,
  roleAssignmentSchema,
} from '../../../contract/role-assignments.js';
import { principalOf } from '../../auth.js';
import { errorResponses, typed } from '../../http.js';
import type { RoleAssignmentsService } from './role-assignments-service.js';

export function registerRoleAssignments(fastify: FastifyInstance, roles: RoleAssignmentsService): void {
  const app = typed(fastify);
  const tags = ['identity'];
  const base = '/api/v1/role-assignments';

  app.get(base, {
    schema: {
      tags,
      summary: 'List role assignments, of one principal and/or at a scope and beneath it',
      querystring: roleAssignmentListQuery,
      response: { 200: z.object({ items: z.array(roleAssignmentSchema) }), ...errorResponses },
    },
    onRequest: app.authorize('automation.read', {
      scope: app.scopes.roleAssignmentList(),
      action: 'roles.read',
    }),
    handler: async (req) => ({ items: await roles.list(principalOf(req), req.query) }),
  });

  app.post(base, {
    schema: {
      tags,
      summary: "Assign a role to an identity's principal at a scope (administrators, or Owner at the scope)",
      body: createRoleAssignmentBody,
      response: { 201: roleAssignmentSchema, ...errorResponses },
    },
    // The scope is in the body: the service checks an identity's Owner role there.
    onRequest: app.authorize('roles.assign', { scope: 'in-handler' }),
    handler: async (req, reply) => reply.code(201).send(await roles.create(principalOf(req), req.body)),
  });

  app.delete(`${base}/:id`, {
    schema: {
      tags,
      summary:
        'Remove a role assignment (administrators, or Owner at its scope); it bites on the next request',
      params: idParams,
      response: { 204: z.null(), ...errorResponses },
    },
    onRequest: app.authorize('roles.assign', { scope: app.scopes.roleAssignment('id') }),
    handler: async (req, reply) => {
      await roles.remove(principalOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
}
