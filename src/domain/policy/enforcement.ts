// What the assignments covering a resource say of a change to it (Q16). Deny refuses a change that makes the
// resource non-compliant: it is new, or it was compliant before. Audit lets the change through and records the
// non-compliance; so does Deny for a resource already non-compliant before the change (the change did not make
// it so: it can be fixed, not frozen). Disabled evaluates nothing.
import { scopeCovers } from '../resource-roles.js';
import { findDefinition } from './definitions.js';
import type { ParameterValues, PolicyDefinition, PolicyEffect, PolicyResource } from './policy-definition.js';

export interface PolicyAssignment {
  id: string;
  definitionId: string;
  scope: string;
  effect: PolicyEffect;
  parameters: ParameterValues;
}

export interface Verdict {
  assignment: PolicyAssignment;
  definition: PolicyDefinition;
  reason: string;
}

export type Decision = { kind: 'deny'; denied: Verdict } | { kind: 'allow'; audits: Verdict[] };

/** The assignments that apply to a resource: in force, of a definition of its type, at its scope or above. */
export function applicable(
  assignments: readonly PolicyAssignment[],
  resource: PolicyResource,
): { assignment: PolicyAssignment; definition: PolicyDefinition }[] {
  const out = [];
  for (const assignment of assignments) {
    const definition = findDefinition(assignment.definitionId);
    if (!definition || assignment.effect === 'Disabled') continue;
    if (definition.resourceType !== resource.type || !scopeCovers(assignment.scope, resource.scope)) continue;
    out.push({ assignment, definition });
  }
  return out;
}

/** The decision on a change that turns `before` (undefined: the resource is new) into `after`. */
export function decide(
  assignments: readonly PolicyAssignment[],
  before: PolicyResource | undefined,
  after: PolicyResource,
): Decision {
  const audits: Verdict[] = [];
  for (const { assignment, definition } of applicable(assignments, after)) {
    const now = definition.evaluate(after, assignment.parameters);
    if (now.state === 'compliant') continue;
    const wasCompliant = !before || definition.evaluate(before, assignment.parameters).state === 'compliant';
    const verdict = { assignment, definition, reason: now.reason };
    if (assignment.effect === 'Deny' && wasCompliant) return { kind: 'deny', denied: verdict };
    audits.push(verdict);
  }
  return { kind: 'allow', audits };
}
