// Policy definitions, assignments and compliance (R67, Q16). Only administrators, and identities that are Owner
// at the scope, assign and remove; every change is audited. Compliance is computed when it is read, from the
// resources and assignments as they are then: evaluation is pure and cheap, so a stored state could only be
// stale, and every change of an account, its identity, its Run As account or an assignment shows at once.
import type { z } from 'zod';
import { newId } from '../../../contract/ids.js';
import type {
  ComplianceRecord,
  complianceQuery,
  createPolicyAssignmentBody,
  PolicyAssignmentView,
  PolicyDefinitionView,
} from '../../../contract/policy.js';
import { builtInDefinitions, findDefinition } from '../../../domain/policy/definitions.js';
import { applicable, type PolicyAssignment } from '../../../domain/policy/enforcement.js';
import { resolveParameters } from '../../../domain/policy/parameters.js';
import type { PolicyDefinition } from '../../../domain/policy/policy-definition.js';
import { parseScope, type ResourceAction } from '../../../domain/resource-roles.js';
import type { Db } from '../../../store/db.js';
import { AppError, invalid, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import { findAccount } from '../automation/automation-repo.js';
import { isUniqueViolation } from '../inventory/inventory-shared.js';
import { CONFIGURED_RUN_AS_ASSIGNMENT_ID, type PolicyEnforcer, storedAssignment } from './policy-enforcer.js';
import * as repo from './policy-repo.js';
import { accountResources } from './policy-resources.js';

export type PolicyService = ReturnType<typeof createPolicyService>;

const definitionView = (d: PolicyDefinition): PolicyDefinitionView => ({
  id: d.id,
  displayName: d.displayName,
  description: d.description,
  azurePolicyId: d.azurePolicyId ?? null,
  resourceType: d.resourceType,
  allowedEffects: [...d.allowedEffects],
  defaultEffect: d.defaultEffect,
  parameters: d.parameters.map((p) => ({ ...p })),
});

const nameOf = (definitionId: string) => findDefinition(definitionId)?.displayName ?? definitionId;

const storedView = (r: repo.PolicyAssignmentRow): PolicyAssignmentView => ({
  id: r.id,
  definitionId: r.definitionId,
  definitionName: nameOf(r.definitionId),
  scope: r.scope,
  effect: r.effect,
  parameters: r.parameters,
  origin: 'api',
  createdBy: r.createdBy,
  createdAt: r.createdAt.toISOString(),
});

const configuredView = (a: PolicyAssignment): PolicyAssignmentView => ({
  ...a,
  parameters: { ...a.parameters },
  definitionName: nameOf(a.definitionId),
  origin: 'configuration',
  createdBy: 'server configuration',
  createdAt: null,
});

const taken = (definitionId: string, scope: string) =>
  new AppError('ALREADY_EXISTS', `Policy '${nameOf(definitionId)}' is already assigned at ${scope}.`);

export function createPolicyService(d: {
  db: Db;
  enforcer: PolicyEnforcer;
  identities: { allows(principalId: string, action: ResourceAction, scope: string): Promise<boolean> };
  now?: () => Date;
}) {
  const { db, enforcer } = d;
  const now = d.now ?? (() => new Date());

  /** People passed their role check at the route; an identity must be Owner (policy.write) at the scope. */
  async function mustBeAllowed(p: Principal, scope: string) {
    if (p.identity && !(await d.identities.allows(p.identity.principalId, 'policy.write', scope)))
      throw new AppError(
        'FORBIDDEN',
        `Only an administrator, or an identity that is Owner at ${scope}, may assign or remove policies there.`,
      );
  }

  /** The checked definition, scope, effect and parameters of a new assignment, or a 400 naming the field. */
  function validated(body: z.infer<typeof createPolicyAssignmentBody>) {
    const definition = findDefinition(body.definitionId);
    if (!definition)
      throw invalid(
        'body.definitionId',
        `is not a built-in policy definition (one of: ${builtInDefinitions.map((x) => x.id).join(', ')})`,
      );
    const scope = parseScope(body.scope)!;
    if (scope.kind !== 'managementGroup' && scope.kind !== 'automationAccount')
      throw invalid(
        'body.scope',
        "must be '/' or /automationAccounts/{aa_…}: policies judge automation accounts",
      );
    const effect = body.effect ?? definition.defaultEffect;
    if (!definition.allowedEffects.includes(effect))
      throw invalid(
        'body.effect',
        `must be one of ${definition.allowedEffects.join(', ')} for '${definition.displayName}'`,
      );
    const resolved = resolveParameters(definition, body.parameters ?? {});
    if ('issues' in resolved) {
      const issues = resolved.issues.map((i) => ({ path: `body.parameters.${i.name}`, message: i.message }));
      throw new AppError('VALIDATION_FAILED', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
    }
    return { definition, scope, effect, parameters: resolved.values };
  }

  return {
    definitions: () => builtInDefinitions.map(definitionView),

    async listAssignments() {
      return [configuredView(enforcer.configured), ...(await repo.listPolicyAssignments(db)).map(storedView)];
    },

    /** The scope an assignment sits at (the configured one at '/'), for authorizing identities. */
    async scopeOf(id: string) {
      if (id === CONFIGURED_RUN_AS_ASSIGNMENT_ID) return '/';
      const row = await repo.findPolicyAssignment(db, id);
      if (!row) throw notFound('Policy assignment', id);
      return row.scope;
    },

    async create(p: Principal, body: z.infer<typeof createPolicyAssignmentBody>) {
      const v = validated(body);
      await mustBeAllowed(p, body.scope);
      const row = await db
        .transaction(async (tx) => {
          if (v.scope.kind === 'automationAccount' && !(await findAccount(tx, v.scope.accountId)))
            throw invalid('body.scope', `no automation account ${v.scope.accountId}`);
          if (await repo.findSamePolicyAssignment(tx, v.definition.id, body.scope))
            throw taken(v.definition.id, body.scope);
          const row = await repo.insertPolicyAssignment(tx, {
            id: newId('policyAssignment'),
            definitionId: v.definition.id,
            scope: body.scope,
            effect: v.effect,
            parameters: { ...v.parameters },
            createdBy: actorOf(p),
          });
          // What the new assignment finds among the accounts that exist (Deny never touches them: see enforcement.ts).
          const found =
            v.effect === 'Disabled'
              ? []
              : (await accountResources(tx)).filter((r) => applicable([storedAssignment(row)], r).length > 0);
          const nonCompliant = found.filter(
            (r) => v.definition.evaluate(r, v.parameters).state === 'non-compliant',
          ).length;
          await appendAudit(tx, {
            actor: actorOf(p),
            kind: 'policy-assignment.create',
            target: row.id,
            details: {
              policyId: row.definitionId,
              policyName: v.definition.displayName,
              scope: row.scope,
              effect: row.effect,
              parameters: row.parameters,
              resources: found.length,
              nonCompliant,
            },
          });
          return row;
        })
        .catch((err) => {
          throw isUniqueViolation(err) ? taken(v.definition.id, body.scope) : err;
        });
      return storedView(row);
    },

    async remove(p: Principal, id: string) {
      if (id === CONFIGURED_RUN_AS_ASSIGNMENT_ID)
        throw new AppError(
          'RULE_VIOLATION',
          `Policy assignment ${id} is the server's default, set by its configuration: change STEWARD_RUNAS_POLICY_EFFECT (Disabled turns it off) and restart.`,
        );
      // Checked before the transaction: the role assignments are read on another connection.
      const found = await repo.findPolicyAssignment(db, id);
      if (found) await mustBeAllowed(p, found.scope);
      await db.transaction(async (tx) => {
        const row = await repo.findPolicyAssignment(tx, id);
        if (!row) throw notFound('Policy assignment', id);
        await repo.deletePolicyAssignment(tx, id);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'policy-assignment.delete',
          target: id,
          details: {
            policyId: row.definitionId,
            policyName: nameOf(row.definitionId),
            scope: row.scope,
            effect: row.effect,
          },
        });
      });
    },

    /** Every automation account an assignment in force reaches, judged now (Disabled assignments judge nothing). */
    async compliance(q: z.infer<typeof complianceQuery>): Promise<ComplianceRecord[]> {
      const evaluatedAt = now().toISOString();
      let assignments = await enforcer.assignments(db);
      if (q.assignmentId) {
        assignments = assignments.filter((a) => a.id === q.assignmentId);
        if (!assignments.length) throw notFound('Policy assignment', q.assignmentId);
      }
      const out: ComplianceRecord[] = [];
      for (const resource of await accountResources(db)) {
        if (q.resourceId && resource.id !== q.resourceId) continue;
        for (const { assignment, definition } of applicable(assignments, resource)) {
          const e = definition.evaluate(resource, assignment.parameters);
          if (q.state && e.state !== q.state) continue;
          out.push({
            resource: { type: resource.type, id: resource.id, name: resource.name, scope: resource.scope },
            definitionId: definition.id,
            definitionName: definition.displayName,
            assignmentId: assignment.id,
            effect: assignment.effect,
            state: e.state,
            reason: e.reason,
            evaluatedAt,
          });
        }
      }
      return out;
    },
  };
}
