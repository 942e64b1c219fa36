// Proves the parameter rules: declarations refused with the index and field named, and job values checked
// against declarations — missing, undeclared, mistyped each named — with defaults filled in.
import { describe, expect, it } from 'vitest';
import { checkDeclarations, type ParameterDeclaration, validateJobParameters } from './parameters.js';

const p = (d: Partial<ParameterDeclaration> & { name: string }): ParameterDeclaration => ({
  type: 'string',
  required: false,
  secret: false,
  ...d,
});

describe('parameter declarations', () => {
  it('accepts distinct valid names with defaults of the declared type', () => {
    expect(
      checkDeclarations([
        p({ name: 'VMName', required: true }),
        p({ name: 'Count', type: 'int', default: 3 }),
        p({ name: 'Force', type: 'bool', default: false }),
        p({ name: 'Tags', type: 'object', default: { a: 1 } }),
        p({ name: 'Hosts', type: 'array', default: [] }),
        p({ name: 'Token', secret: true }),
      ]),
    ).toEqual([]);
  });

  it('names each bad declaration by index: bad name, repeated name ignoring case, bad defaults', () => {
    expect(
      checkDeclarations([
        p({ name: '1st' }),
        p({ name: 'Name' }),
        p({ name: 'name' }),
        p({ name: 'Count', type: 'int', default: 1.5 }),
        p({ name: 'Req', required: true, default: 'x' }),
        p({ name: 'Pw', secret: true, default: 'hunter2' }),
      ]).map((i) => i.path),
    ).toEqual(['[0].name', '[2].name', '[3].default', '[4].default', '[5].default']);
  });
});

describe('validateJobParameters', () => {
  const decls = [
    p({ name: 'VMName', required: true }),
    p({ name: 'Count', type: 'int', default: 3 }),
    p({ name: 'Force', type: 'bool' }),
    p({ name: 'Tags', type: 'object' }),
    p({ name: 'Hosts', type: 'array' }),
  ];

  it('accepts good values, matching names ignoring case, and fills defaults', () => {
    expect(validateJobParameters(decls, { vmname: 'web01', Hosts: ['a'], Force: true })).toEqual({
      kind: 'valid',
      values: { VMName: 'web01', Count: 3, Force: true, Hosts: ['a'] },
    });
  });

  it('names every missing, undeclared and mistyped parameter without quoting values', () => {
    const r = validateJobParameters(decls, {
      Count: '7',
      Force: 'yes',
      Tags: [1],
      Hosts: { a: 1 },
      Extra: 'secret-value',
    });
    expect(r.kind).toBe('invalid');
    if (r.kind !== 'invalid') return;
    expect(r.issues.map((i) => i.path).sort()).toEqual([
      'Count',
      'Extra',
      'Force',
      'Hosts',
      'Tags',
      'VMName',
    ]);
    expect(JSON.stringify(r.issues)).not.toContain('secret-value');
    expect(r.issues.find((i) => i.path === 'VMName')?.message).toBe('is required');
  });

  it('treats null as not given, and refuses a name given twice in different case', () => {
    expect(validateJobParameters(decls, { VMName: null }).kind).toBe('invalid');
    const twice = validateJobParameters(decls, { VMName: 'a', vmname: 'b' });
    expect(twice).toMatchObject({ kind: 'invalid', issues: [{ path: 'vmname' }] });
  });

  it('refuses an int that is not a safe integer', () => {
    expect(validateJobParameters(decls, { VMName: 'a', Count: 2 ** 60 }).kind).toBe('invalid');
  });
});
