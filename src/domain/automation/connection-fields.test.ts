// Proves connection values are checked against their type: missing, unknown and mistyped fields named,
// encrypted fields split from plain ones, and the built-in AzureServicePrincipal type's four fields.
import { describe, expect, it } from 'vitest';
import {
  builtInConnectionTypes,
  checkConnectionValues,
  checkFieldDeclarations,
} from './connection-fields.js';

const asp = builtInConnectionTypes.find((t) => t.name === 'AzureServicePrincipal')!;

describe('connection values', () => {
  it('accepts the four AzureServicePrincipal fields', () => {
    expect(asp.fields.map((f) => f.name)).toEqual([
      'ApplicationId',
      'TenantId',
      'CertificateThumbprint',
      'SubscriptionId',
    ]);
    const r = checkConnectionValues(asp.fields, {
      ApplicationId: 'a',
      TenantId: 't',
      CertificateThumbprint: 'c',
      SubscriptionId: 's',
    });
    expect(r).toMatchObject({ kind: 'valid', encrypted: {} });
  });

  it('names missing, unknown (with a hint) and mistyped fields', () => {
    const r = checkConnectionValues(asp.fields, { applicationid: 'a', TenantId: 3, Extra: 'x' });
    expect(r.kind).toBe('invalid');
    if (r.kind !== 'invalid') return;
    expect(r.issues.map((i) => i.path).sort()).toEqual([
      'ApplicationId',
      'CertificateThumbprint',
      'Extra',
      'SubscriptionId',
      'TenantId',
      'applicationid',
    ]);
    expect(r.issues.find((i) => i.path === 'applicationid')?.message).toContain('ApplicationId');
  });

  it('splits encrypted fields from plain ones and lets optional fields be left out', () => {
    const fields = [
      { name: 'Host', type: 'string' as const, encrypted: false, optional: false },
      { name: 'Port', type: 'int' as const, encrypted: false, optional: true },
      { name: 'ApiKey', type: 'string' as const, encrypted: true, optional: false },
    ];
    expect(checkConnectionValues(fields, { Host: 'h', ApiKey: 'k' })).toEqual({
      kind: 'valid',
      plain: { Host: 'h' },
      encrypted: { ApiKey: 'k' },
    });
  });

  it('refuses field declarations with bad or repeated names', () => {
    const f = (name: string) => ({ name, type: 'string' as const, encrypted: false, optional: false });
    expect(checkFieldDeclarations([f('Ok'), f('ok'), f('no spaces')]).map((i) => i.path)).toEqual([
      '[1].name',
      '[2].name',
    ]);
  });
});
