// Pure parts of moving an automation account off its legacy Run As account: which roles the managed identity
// needs when only what the Run As principal actually did counts (least privilege), and the diff a rewrite shows.
import { type ResourceAction, type ResourceRole, resourceRoleActions } from '../resource-roles.js';
import type { RewriteResult } from './runas-rewrite.js';

/** The write an audit record of the principal shows it made, by the record's kind; undefined for none. */
export function actionOfAuditKind(kind: string): ResourceAction | undefined {
  if (kind.startsWith('role-assignment.')) return 'roles.write';
  if (kind.startsWith('policy-assignment.')) return 'policy.write';
  if (kind.startsWith('asset.') && kind !== 'asset.read') return 'assets.write';
  if (['job.start', 'job.stop', 'job.resume', 'job.suspend'].includes(kind)) return 'jobs.run';
  if (/^(runbook|schedule|webhook|automation-account|connection-type|worker-group)\./.test(kind))
    return 'automation.write';
  return undefined;
}

/** Role sets from the least to the most privileged; the first that covers what was done is chosen. */
const ladder: readonly ResourceRole[][] = [
  ['Reader'],
  ['Reader', 'Automation Job Operator'],
  ['Contributor'],
  ['Owner'],
];

/**
 * The roles the identity gets, at the same scope, for one role the Run As principal held. Reads are not audited,
 * so Reader is always kept (where the principal's role reads at all); the writes seen decide what more. Never
 * more than the principal held: when no smaller set covers, its own role is copied as it is.
 */
export function leastPrivilegeRoles(held: ResourceRole, writes: ReadonlySet<ResourceAction>): ResourceRole[] {
  const heldActions = new Set(resourceRoleActions[held]);
  for (const roles of ladder) {
    const actions = new Set(roles.flatMap((r) => resourceRoleActions[r]));
    const covers = [...writes].every((w) => actions.has(w));
    const within = [...actions].every((a) => heldActions.has(a));
    if (covers && within) return roles;
  }
  return [held];
}

/** A readable diff of a rewrite: each changed statement with its line, the old text (-) and the new (+). */
export function rewriteDiff(name: string, r: Pick<RewriteResult, 'changes'>): string {
  if (!r.changes.length) return '';
  const out = [`--- ${name} (current draft)`, `+++ ${name} (signs in with the managed identity)`];
  for (const c of r.changes) {
    out.push(`@@ line ${c.line} @@`);
    for (const l of c.from.split('\n')) out.push(`-${l}`);
    if (c.to !== '') out.push(`+${c.to}`);
  }
  return out.join('\n');
}
