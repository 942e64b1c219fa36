// Proves the scope paths and the role table: every path form parses and prints back the same, anything else
// (trailing slash, dot segments, other prefixes, upper case, NUL) is not a scope; an assignment reaches its
// scope and what is beneath it, never a sibling whose id merely starts the same; and each role allows exactly
// what its row says (Owner alone writes role assignments; Run As Reader reads Run As accounts only).
import { describe, expect, it } from 'vitest';
import {
  assignmentsAllow,
  parseScope,
  resourceRoleActions,
  resourceRoles,
  roleAllows,
  scopeCovers,
  scopePath,
} from './resource-roles.js';

describe('scope paths', () => {
  it('parse and print back every form', () => {
    for (const path of [
      '/',
      '/automationAccounts/aa_1x',
      '/automationAccounts/aa_1x/runbooks/rb_2y',
      '/automationAccounts/aa_1x/schedules/sch_3z',
      '/runAsAccounts/acct_4',
      '/pools/pool_all-management-servers',
    ])
      expect(scopePath(parseScope(path)!)).toBe(path);
  });

  it('refuse anything else', () => {
    for (const path of [
      '',
      '//',
      '/automationAccounts',
      '/automationAccounts/',
      '/automationAccounts/aa_1/',
      '/automationAccounts/aa_1/..',
      '/automationAccounts/aa_1/runbooks/rb_2/jobs/job_3',
      '/automationAccounts/rb_1',
      '/AutomationAccounts/aa_1',
      '/automationAccounts/AA_1',
      '/automationAccounts/aa_1\u0000',
      '/runAsAccounts/aa_1',
      '/pools/pool_-x',
    ])
      expect(parseScope(path), path).toBeUndefined();
  });

  it('reach what is beneath them, never a sibling with a longer id', () => {
    expect(scopeCovers('/', '/runAsAccounts/acct_1')).toBe(true);
    expect(scopeCovers('/automationAccounts/aa_1', '/automationAccounts/aa_1/runbooks/rb_2')).toBe(true);
    expect(scopeCovers('/automationAccounts/aa_1', '/automationAccounts/aa_1')).toBe(true);
    expect(scopeCovers('/automationAccounts/aa_1', '/automationAccounts/aa_12')).toBe(false);
    expect(scopeCovers('/automationAccounts/aa_1', '/automationAccounts/aa_12/runbooks/rb_2')).toBe(false);
    expect(scopeCovers('/automationAccounts/aa_1/runbooks/rb_2', '/automationAccounts/aa_1')).toBe(false);
  });
});

describe('the role table', () => {
  it('gives role writes to Owner alone and Run As reads to every reading role and Run As Reader', () => {
    expect(resourceRoles.filter((r) => roleAllows(r, 'roles.write'))).toEqual(['Owner']);
    expect(resourceRoles.filter((r) => roleAllows(r, 'runas.read'))).toEqual([
      'Owner',
      'Contributor',
      'Reader',
      'Run As Reader',
    ]);
    expect(resourceRoles.filter((r) => roleAllows(r, 'assets.read'))).toEqual([
      'Owner',
      'Contributor',
      'Reader',
    ]);
    expect(resourceRoleActions['Run As Reader']).toEqual(['runas.read']);
    expect(roleAllows('Automation Job Operator', 'automation.read')).toBe(false);
    expect(roleAllows('Automation Operator', 'jobs.run')).toBe(true);
  });

  it('allows an action only where an assignment with a role allowing it reaches', () => {
    const held = [
      { role: 'Reader' as const, scope: '/automationAccounts/aa_1' },
      { role: 'Automation Job Operator' as const, scope: '/automationAccounts/aa_2/runbooks/rb_9' },
    ];
    expect(assignmentsAllow(held, 'assets.read', '/automationAccounts/aa_1')).toBe(true);
    expect(assignmentsAllow(held, 'assets.write', '/automationAccounts/aa_1')).toBe(false);
    expect(assignmentsAllow(held, 'jobs.run', '/automationAccounts/aa_2/runbooks/rb_9')).toBe(true);
    expect(assignmentsAllow(held, 'jobs.run', '/automationAccounts/aa_2/runbooks/rb_8')).toBe(false);
    expect(assignmentsAllow([], 'jobs.read', '/')).toBe(false);
  });
});
