// Roles an identity holds on Steward's own resources through role assignments (principal, role, scope), the
// actions each allows, and the scope paths they are assigned at. People keep the five roles of roles.ts; an
// identity starts with no role at all (R59) and has exactly the rights of its assignments.

export const resourceRoles = [
  'Owner',
  'Contributor',
  'Reader',
  'Automation Operator',
  'Automation Job Operator',
  'Run As Reader',
] as const;
export type ResourceRole = (typeof resourceRoles)[number];

/** What a route does to the resource it touches, as far as role assignments are concerned. */
export type ResourceAction =
  | 'automation.read'
  | 'automation.write'
  | 'jobs.read'
  | 'jobs.run'
  | 'assets.read'
  | 'assets.write'
  | 'runas.read'
  | 'roles.read'
  | 'roles.write'
  | 'policy.write';

export const resourceActionNames: Record<ResourceAction, string> = {
  'automation.read': 'read automation accounts, runbooks (with their content), schedules and webhooks',
  'automation.write': 'create, change and delete automation accounts, runbooks, schedules and webhooks',
  'jobs.read': 'list and show jobs and read their streams',
  'jobs.run': 'start, stop and resume jobs',
  'assets.read': 'read assets (never a secret value)',
  'assets.write': 'create, change and delete assets',
  'runas.read': 'read Run As accounts (never a secret value)',
  'roles.read': 'list role assignments',
  'roles.write': 'create and remove role assignments',
  'policy.write': 'list, create and remove policy assignments',
};

const readAll: ResourceAction[] = ['automation.read', 'jobs.read', 'assets.read', 'runas.read', 'roles.read'];

/** The single table of what each resource role allows; docs/identity.md shows the same table. */
export const resourceRoleActions: Record<ResourceRole, readonly ResourceAction[]> = {
  Owner: [...readAll, 'automation.write', 'jobs.run', 'assets.write', 'roles.write', 'policy.write'],
  Contributor: [...readAll, 'automation.write', 'jobs.run', 'assets.write'],
  Reader: readAll,
  // As Azure's Automation Operator: runs jobs and reads what it runs, never the assets.
  'Automation Operator': ['automation.read', 'jobs.read', 'jobs.run'],
  'Automation Job Operator': ['jobs.read', 'jobs.run'],
  'Run As Reader': ['runas.read'],
};

export const roleAllows = (role: ResourceRole, action: ResourceAction) =>
  resourceRoleActions[role].includes(action);

// Scope paths. `/` is the management group; below it, resources by their ids:
//   /automationAccounts/{aa_…}
//   /automationAccounts/{aa_…}/runbooks/{rb_…}
//   /automationAccounts/{aa_…}/schedules/{sch_…}
//   /runAsAccounts/{acct_…}
//   /pools/{pool_…}
// An assignment at a scope applies to that resource and everything under it.

export type Scope =
  | { kind: 'managementGroup' }
  | { kind: 'automationAccount'; accountId: string }
  | { kind: 'runbook'; accountId: string; runbookId: string }
  | { kind: 'schedule'; accountId: string; scheduleId: string }
  | { kind: 'runAsAccount'; runAsAccountId: string }
  | { kind: 'pool'; poolId: string };

// Random ids are [0-9a-z]; built-in ones (pool_all-management-servers) also hold hyphens.
const idBody = '[0-9a-z][0-9a-z-]{0,99}';
const patterns: [RegExp, (m: RegExpExecArray) => Scope][] = [
  [/^\/$/, () => ({ kind: 'managementGroup' })],
  [
    new RegExp(`^/automationAccounts/(aa_${idBody})$`),
    (m) => ({ kind: 'automationAccount', accountId: m[1]! }),
  ],
  [
    new RegExp(`^/automationAccounts/(aa_${idBody})/runbooks/(rb_${idBody})$`),
    (m) => ({ kind: 'runbook', accountId: m[1]!, runbookId: m[2]! }),
  ],
  [
    new RegExp(`^/automationAccounts/(aa_${idBody})/schedules/(sch_${idBody})$`),
    (m) => ({ kind: 'schedule', accountId: m[1]!, scheduleId: m[2]! }),
  ],
  [new RegExp(`^/runAsAccounts/(acct_${idBody})$`), (m) => ({ kind: 'runAsAccount', runAsAccountId: m[1]! })],
  [new RegExp(`^/pools/(pool_${idBody})$`), (m) => ({ kind: 'pool', poolId: m[1]! })],
];

export const scopeSyntax =
  "'/', /automationAccounts/{aa_…}, /automationAccounts/{aa_…}/runbooks/{rb_…}, " +
  '/automationAccounts/{aa_…}/schedules/{sch_…}, /runAsAccounts/{acct_…} or /pools/{pool_…}';

/** The scope a path names, or undefined when it is not one of the forms of `scopeSyntax`. */
export function parseScope(path: string): Scope | undefined {
  for (const [re, make] of patterns) {
    const m = re.exec(path);
    if (m) return make(m);
  }
  return undefined;
}

export function scopePath(s: Scope): string {
  switch (s.kind) {
    case 'managementGroup':
      return '/';
    case 'automationAccount':
      return `/automationAccounts/${s.accountId}`;
    case 'runbook':
      return `/automationAccounts/${s.accountId}/runbooks/${s.runbookId}`;
    case 'schedule':
      return `/automationAccounts/${s.accountId}/schedules/${s.scheduleId}`;
    case 'runAsAccount':
      return `/runAsAccounts/${s.runAsAccountId}`;
    case 'pool':
      return `/pools/${s.poolId}`;
  }
}

/** Whether an assignment at `assigned` reaches a resource at `resource`: the same path or one of its parents. */
export function scopeCovers(assigned: string, resource: string): boolean {
  return assigned === '/' || assigned === resource || resource.startsWith(`${assigned}/`);
}

/** Whether any of the assignments allows the action on the resource at `resource`. */
export function assignmentsAllow(
  assignments: readonly { role: ResourceRole; scope: string }[],
  action: ResourceAction,
  resource: string,
): boolean {
  return assignments.some((a) => roleAllows(a.role, action) && scopeCovers(a.scope, resource));
}
