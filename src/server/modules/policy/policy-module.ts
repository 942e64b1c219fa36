// The policy feature: definitions, assignments and compliance routes over the enforcer the changing services use.
import type { FastifyInstance } from 'fastify';
import type { ResourceAction } from '../../../domain/resource-roles.js';
import type { Db } from '../../../store/db.js';
import type { PolicyEnforcer } from './policy-enforcer.js';
import { registerPolicy } from './policy-routes.js';
import { createPolicyService } from './policy-service.js';

export function registerPolicyModule(
  app: FastifyInstance,
  d: {
    db: Db;
    enforcer: PolicyEnforcer;
    identities: { allows(principalId: string, action: ResourceAction, scope: string): Promise<boolean> };
    now?: () => Date;
  },
) {
  const policy = createPolicyService(d);
  registerPolicy(app, policy);
  return policy;
}
