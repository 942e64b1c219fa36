// Proves each rule condition operator (eq, ne, like with * wildcards, gt, lt, exists) on object properties.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConditionSubject, likePattern, matchesAll, matchesCondition } from './conditions.js';

const sql: ConditionSubject = {
  name: 'MSSQLSERVER',
  displayName: 'SQL on ABC',
  properties: {
    instanceName: 'MSSQLSERVER',
    version: '15.0.2000',
    port: 1433,
    clustered: false,
    edition: null,
  },
};

describe('conditions', () => {
  it('compares eq and ne as text without regard to case', () => {
    expect(matchesCondition(sql, { property: 'instanceName', op: 'eq', value: 'mssqlserver' })).toBe(true);
    expect(matchesCondition(sql, { property: 'port', op: 'eq', value: '1433' })).toBe(true);
    expect(matchesCondition(sql, { property: 'clustered', op: 'eq', value: false })).toBe(true);
    expect(matchesCondition(sql, { property: 'instanceName', op: 'ne', value: 'OTHER' })).toBe(true);
    expect(matchesCondition(sql, { property: 'instanceName', op: 'ne', value: 'MSSQLServer' })).toBe(false);
  });

  it('does not match ne, or anything else, on a property that is not set', () => {
    for (const op of ['eq', 'ne', 'gt', 'lt'] as const) {
      expect(matchesCondition(sql, { property: 'missing', op, value: 'x' })).toBe(false);
    }
    expect(matchesCondition(sql, { property: 'edition', op: 'exists' })).toBe(false);
    expect(matchesCondition(sql, { property: 'port', op: 'exists' })).toBe(true);
  });

  it('matches like with * wildcards and treats other characters literally', () => {
    expect(matchesCondition(sql, { property: 'version', op: 'like', value: '15.*' })).toBe(true);
    expect(matchesCondition(sql, { property: 'version', op: 'like', value: '15?0*' })).toBe(false);
    expect(matchesCondition(sql, { property: 'version', op: 'like', value: '1*.2*' })).toBe(true);
    expect(matchesCondition(sql, { property: 'version', op: 'like', value: '15' })).toBe(false);
    expect(likePattern('a.b').test('axb')).toBe(false);
  });

  it('compares gt and lt as numbers when both sides are numeric, otherwise as text', () => {
    expect(matchesCondition(sql, { property: 'port', op: 'gt', value: 1000 })).toBe(true);
    expect(matchesCondition(sql, { property: 'port', op: 'lt', value: '2000' })).toBe(true);
    expect(matchesCondition(sql, { property: 'port', op: 'gt', value: 9999 })).toBe(false);
    expect(matchesCondition(sql, { property: 'version', op: 'gt', value: '14.0' })).toBe(true);
  });

  it('reads name and displayName from the object when no property has that name', () => {
    expect(matchesCondition(sql, { property: 'displayName', op: 'like', value: '*abc' })).toBe(true);
    expect(matchesCondition(sql, { property: 'name', op: 'eq', value: 'MSSQLSERVER' })).toBe(true);
  });

  it('needs every condition of a list, and an empty list matches', () => {
    expect(matchesAll(sql, [])).toBe(true);
    expect(
      matchesAll(sql, [
        { property: 'port', op: 'eq', value: 1433 },
        { property: 'instanceName', op: 'eq', value: 'nope' },
      ]),
    ).toBe(false);
  });

  it('makes like without a wildcard the same as eq, for any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (value, pattern) => {
        const subject = { name: 'n', displayName: 'd', properties: { p: value } };
        const clean = pattern.replaceAll('*', '');
        expect(matchesCondition(subject, { property: 'p', op: 'like', value: clean })).toBe(
          matchesCondition(subject, { property: 'p', op: 'eq', value: clean }),
        );
        expect(matchesCondition(subject, { property: 'p', op: 'like', value: `*${value}*` })).toBe(true);
      }),
    );
  });
});
