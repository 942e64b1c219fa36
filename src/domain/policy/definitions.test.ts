// Proves the three built-in policy definitions on plain resources: each one's compliant and non-compliant
// cases with the reason, its allowed and default effects; parameters checked by name and type with defaults;
// and the decision on a change: Deny refuses what becomes non-compliant, lets through what already was
// (audited), Audit records, Disabled and assignments elsewhere say nothing.
import { describe, expect, it } from 'vitest';
import { builtInDefinitions, findDefinition } from './definitions.js';
import { decide, type PolicyAssignment } from './enforcement.js';
import { legacyRunAsDefinition } from './legacy-run-as.js';
import { localAuthDefinition } from './local-auth.js';
import { managedIdentityDefinition } from './managed-identity.js';
import { resolveParameters } from './parameters.js';
import type { AutomationAccountResource } from './policy-definition.js';

const account = (over: Partial<AutomationAccountResource> = {}): AutomationAccountResource => ({
  type: 'automationAccount',
  id: 'aa_1',
  name: 'Billing',
  scope: '/automationAccounts/aa_1',
  identityType: 'SystemAssigned',
  disableLocalAuth: true,
  runAs: null,
  ...over,
});
const dates = { creationEndsOn: '2023-04-01', renewalEndsOn: '2023-10-01' };

describe('the built-in definitions', () => {
  it('have distinct ids, a default effect among the allowed ones, and are found by id or Azure id', () => {
    expect(new Set(builtInDefinitions.map((d) => d.id)).size).toBe(3);
    for (const d of builtInDefinitions) expect(d.allowedEffects).toContain(d.defaultEffect);
    expect(managedIdentityDefinition.allowedEffects).toEqual(['Audit', 'Disabled']);
    expect(localAuthDefinition.allowedEffects).toEqual(['Audit', 'Deny', 'Disabled']);
    expect(legacyRunAsDefinition.allowedEffects).toEqual(['Deny', 'Audit', 'Disabled']);
    expect(findDefinition('DEA83A72-443C-4292-83D5-54A2F98749C0')).toBe(managedIdentityDefinition);
    expect(findDefinition('no-new-certificate-run-as-accounts')).toBe(legacyRunAsDefinition);
    expect(findDefinition('nothing')).toBeUndefined();
  });

  it('managed identity: an account with none is non-compliant, any identity type is compliant', () => {
    const none = managedIdentityDefinition.evaluate(account({ identityType: 'None' }), {});
    expect(none).toEqual({
      state: 'non-compliant',
      reason: expect.stringContaining('has no managed identity'),
    });
    for (const t of ['SystemAssigned', 'UserAssigned', 'SystemAssigned, UserAssigned'] as const)
      expect(managedIdentityDefinition.evaluate(account({ identityType: t }), {}).state).toBe('compliant');
  });

  it('local authentication: non-compliant unless disabled', () => {
    expect(localAuthDefinition.evaluate(account({ disableLocalAuth: false }), {})).toEqual({
      state: 'non-compliant',
      reason: expect.stringContaining('set disableLocalAuth to true'),
    });
    expect(localAuthDefinition.evaluate(account(), {}).state).toBe('compliant');
  });

  it('no new Run As: judged by the creation and renewal dates given as parameters', () => {
    const e = (runAs: AutomationAccountResource['runAs'], p = dates) =>
      legacyRunAsDefinition.evaluate(account({ runAs }), p);
    expect(e(null).state).toBe('compliant');
    expect(e({ createdAt: new Date('2023-03-31T23:59:59Z'), renewedAt: null }).state).toBe('compliant');
    const late = e({ createdAt: new Date('2023-04-01T00:00:00Z'), renewedAt: null });
    expect(late.state).toBe('non-compliant');
    expect(late.reason).toContain('not allowed since 2023-04-01');
    expect(late.reason).toContain('created on 2023-04-01');
    const renewed = e({ createdAt: new Date('2022-01-01Z'), renewedAt: new Date('2024-02-03T10:00:00Z') });
    expect(renewed.reason).toContain(
      'Renewals of certificate Run As accounts are not allowed since 2023-10-01',
    );
    expect(renewed.state).toBe('non-compliant');
    // Later dates make the same account compliant: the dates are settings, not constants (Q8).
    expect(
      e(
        { createdAt: new Date('2024-01-01Z'), renewedAt: null },
        { creationEndsOn: '2030-01-01', renewalEndsOn: '2030-06-01' },
      ).state,
    ).toBe('compliant');
  });
});

describe('parameters', () => {
  it('take defaults for what is left out and refuse unknown names and bad dates, naming each', () => {
    expect(resolveParameters(legacyRunAsDefinition, {})).toEqual({ values: dates });
    expect(resolveParameters(legacyRunAsDefinition, { creationEndsOn: '2025-09-14' })).toEqual({
      values: { ...dates, creationEndsOn: '2025-09-14' },
    });
    expect(resolveParameters(legacyRunAsDefinition, { renewalEndsOn: '2025-02-30', colour: 'x' })).toEqual({
      issues: [
        { name: 'colour', message: expect.stringContaining('is not a parameter') },
        { name: 'renewalEndsOn', message: 'must be a date YYYY-MM-DD' },
      ],
    });
    expect(resolveParameters(localAuthDefinition, { creationEndsOn: '2025-01-01' })).toEqual({
      issues: [{ name: 'creationEndsOn', message: expect.stringContaining('takes none') }],
    });
  });
});

describe('the decision on a change', () => {
  const assign = (over: Partial<PolicyAssignment>): PolicyAssignment => ({
    id: 'pa_1',
    definitionId: legacyRunAsDefinition.id,
    scope: '/',
    effect: 'Deny',
    parameters: dates,
    ...over,
  });
  const withRunAs = account({ runAs: { createdAt: new Date('2026-01-01Z'), renewedAt: null } });

  it('Deny refuses a change that makes the resource non-compliant, naming the assignment and the reason', () => {
    const d = decide([assign({})], account(), withRunAs);
    expect(d.kind).toBe('deny');
    if (d.kind !== 'deny') return;
    expect(d.denied.assignment.id).toBe('pa_1');
    expect(d.denied.definition.displayName).toBe('No new certificate Run As accounts');
    expect(d.denied.reason).toContain('not allowed since 2023-04-01');
    // A new resource counts as compliant before.
    expect(
      decide(
        [assign({ definitionId: localAuthDefinition.id })],
        undefined,
        account({ disableLocalAuth: false }),
      ).kind,
    ).toBe('deny');
  });

  it('Deny lets through (and records) a change to a resource that was already non-compliant', () => {
    const d = decide([assign({})], withRunAs, { ...withRunAs, name: 'Renamed' });
    expect(d).toMatchObject({ kind: 'allow', audits: [{ assignment: { id: 'pa_1' } }] });
  });

  it('Audit records, Disabled and assignments at another account say nothing, compliance says nothing', () => {
    expect(decide([assign({ effect: 'Audit' })], account(), withRunAs)).toMatchObject({
      kind: 'allow',
      audits: [{ assignment: { effect: 'Audit' } }],
    });
    expect(decide([assign({ effect: 'Disabled' })], account(), withRunAs)).toEqual({
      kind: 'allow',
      audits: [],
    });
    expect(decide([assign({ scope: '/automationAccounts/aa_2' })], account(), withRunAs)).toEqual({
      kind: 'allow',
      audits: [],
    });
    expect(decide([assign({})], undefined, account())).toEqual({ kind: 'allow', audits: [] });
  });
});
