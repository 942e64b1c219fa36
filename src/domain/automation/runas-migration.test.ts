// Proves the least-privilege choice of the migration (the smallest role set covering the principal's audited
// writes, Reader always, never more than it held) and that audit kinds map to the writes they are.
import { describe, expect, it } from 'vitest';
import type { ResourceAction } from '../resource-roles.js';
import { actionOfAuditKind, leastPrivilegeRoles, rewriteDiff } from './runas-migration.js';

const writes = (...a: ResourceAction[]) => new Set(a);

describe('leastPrivilegeRoles', () => {
  it('gives Reader with no writes, adds Automation Job Operator for jobs, Contributor for changes, Owner for roles', () => {
    expect(leastPrivilegeRoles('Contributor', writes())).toEqual(['Reader']);
    expect(leastPrivilegeRoles('Contributor', writes('jobs.run'))).toEqual([
      'Reader',
      'Automation Job Operator',
    ]);
    expect(leastPrivilegeRoles('Contributor', writes('jobs.run', 'assets.write'))).toEqual(['Contributor']);
    expect(leastPrivilegeRoles('Owner', writes('roles.write'))).toEqual(['Owner']);
  });

  it('never gives more than the principal held', () => {
    expect(leastPrivilegeRoles('Automation Operator', writes())).toEqual(['Automation Operator']);
    expect(leastPrivilegeRoles('Reader', writes('automation.write'))).toEqual(['Reader']);
  });
});

describe('actionOfAuditKind and rewriteDiff', () => {
  it('maps audit kinds to writes, reads to nothing, and shows each change by line', () => {
    expect(actionOfAuditKind('runbook.draft')).toBe('automation.write');
    expect(actionOfAuditKind('job.start')).toBe('jobs.run');
    expect(actionOfAuditKind('asset.set')).toBe('assets.write');
    expect(actionOfAuditKind('asset.read')).toBeUndefined();
    expect(actionOfAuditKind('role-assignment.create')).toBe('roles.write');
    expect(
      rewriteDiff('R', {
        changes: [
          { line: 3, from: 'a\nb', to: 'c' },
          { line: 5, from: 'x', to: '' },
        ],
      }),
    ).toBe(
      [
        '--- R (current draft)',
        '+++ R (signs in with the managed identity)',
        '@@ line 3 @@',
        '-a',
        '-b',
        '+c',
        '@@ line 5 @@',
        '-x',
      ].join('\n'),
    );
  });
});
