// Proves the "No new certificate Run As accounts" policy: Deny refuses creation from the creation end date and
// renewal from the renewal end date (not a day before), Audit flags the same without refusing, Disabled says
// nothing, and the dates are the policy's own, not constants.
import { describe, expect, it } from 'vitest';
import { defaultLegacyRunAsPolicy, evaluateLegacyRunAs } from './runas-policy.js';

const deny = { ...defaultLegacyRunAsPolicy, effect: 'Deny' as const };

describe('evaluateLegacyRunAs', () => {
  it('denies creation from 2023-04-01 and renewal from 2023-10-01 under Deny (S43)', () => {
    expect(evaluateLegacyRunAs(deny, 'create', new Date('2023-03-31T23:59:59Z')).kind).toBe('compliant');
    const d = evaluateLegacyRunAs(deny, 'create', new Date('2023-04-02T00:00:00Z'));
    expect(d).toMatchObject({ kind: 'deny' });
    expect(d.kind === 'deny' && d.message).toContain("'No new certificate Run As accounts'");
    expect(evaluateLegacyRunAs(deny, 'renew', new Date('2023-04-02T00:00:00Z')).kind).toBe('compliant');
    expect(evaluateLegacyRunAs(deny, 'renew', new Date('2023-10-01T00:00:00Z')).kind).toBe('deny');
  });

  it('audits instead of denying under Audit, says nothing when Disabled, and follows its own dates', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(evaluateLegacyRunAs(defaultLegacyRunAsPolicy, 'create', at).kind).toBe('audit');
    expect(evaluateLegacyRunAs({ ...deny, effect: 'Disabled' }, 'create', at).kind).toBe('compliant');
    const later = { ...deny, creationEndsOn: new Date('2027-01-01T00:00:00Z') };
    expect(evaluateLegacyRunAs(later, 'create', at).kind).toBe('compliant');
  });
});
