// User roles and what each may do (domain-spec R33/R34 and the operations-per-role table it cites).

export const roles = [
  'administrator',
  'author',
  'advanced-operator',
  'operator',
  'read-only-operator',
] as const;
export type Role = (typeof roles)[number];

export const roleNames: Record<Role, string> = {
  administrator: 'Administrator',
  author: 'Author',
  'advanced-operator': 'Advanced Operator',
  operator: 'Operator',
  'read-only-operator': 'Read-only Operator',
};

export type Permission =
  | 'users.manage'
  | 'audit.read'
  | 'inventory.read'
  | 'inventory.write'
  | 'groups.write'
  | 'packs.read'
  | 'packs.write'
  | 'profiles.read'
  | 'accounts.manage'
  | 'servers.read'
  | 'agents.manage'
  | 'alerts.read'
  | 'alerts.write'
  | 'tasks.run'
  | 'notify.channels'
  | 'notify.subscriptions'
  | 'automation.read'
  | 'automation.manage'
  | 'automation.jobs'
  | 'identity.keys'
  | 'roles.assign'
  | 'policy.assign';

const everyone: Permission[] = ['inventory.read', 'servers.read', 'alerts.read', 'automation.read'];

const grants: Record<Role, readonly Permission[]> = {
  administrator: [
    ...everyone,
    'users.manage',
    'audit.read',
    'inventory.write',
    'groups.write',
    'packs.read',
    'packs.write',
    'profiles.read',
    'accounts.manage',
    'agents.manage',
    'alerts.write',
    'tasks.run',
    'notify.channels',
    'notify.subscriptions',
    'automation.manage',
    'automation.jobs',
    // Only administrators see and rotate the keys that sign identity tokens.
    'identity.keys',
    // Only administrators (and identities holding Owner on the scope) assign roles to identities.
    'roles.assign',
    // Only administrators (and identities holding Owner on the scope) assign policies (R67, Q16).
    'policy.assign',
  ],
  // Authors build monitoring configuration: groups, and read packs and Run As profiles (R33).
  // Only administrators define notification channels; authors and operators manage subscribers and
  // subscriptions (R34).
  // Administrators and authors manage automation accounts, runbooks and assets; everyone signed in reads them.
  author: [
    ...everyone,
    'groups.write',
    'packs.read',
    'profiles.read',
    'notify.subscriptions',
    'automation.manage',
    'automation.jobs',
  ],
  // Operators work alerts: raise, take ownership, set ticket and resolution state; and run tasks on demand
  // (SCOM operators may run tasks; read-only operators and authors may not). They start and stop jobs (as
  // Azure's Automation Operator), which authors do too, to test what they write.
  'advanced-operator': [...everyone, 'alerts.write', 'tasks.run', 'notify.subscriptions', 'automation.jobs'],
  operator: [...everyone, 'alerts.write', 'tasks.run', 'notify.subscriptions', 'automation.jobs'],
  'read-only-operator': everyone,
};

export function can(role: Role, permission: Permission): boolean {
  return grants[role].includes(permission);
}

/** Roles that are refused a permission: authorization tests iterate these. */
export function rolesWithout(permission: Permission): Role[] {
  return roles.filter((r) => !can(r, permission));
}

export * from './resource-roles.js';
