// Proves the `--rule` syntax for dynamic groups turns into the API's rule objects, and refuses what it cannot read.
import { describe, expect, it } from 'vitest';
import { describeRule, parseRule } from './group-rules.js';

describe('group rule syntax', () => {
  it('reads a class alone as a rule with no conditions', () => {
    expect(parseRule('Contoso.SQL.Instance')).toEqual({ classId: 'Contoso.SQL.Instance', conditions: [] });
  });

  it('reads every operator, keeping text for eq and numbers for gt', () => {
    expect(parseRule('SQL.DB;Edition=Enterprise;Tier!=dev;Name~prod-*;Size>100;Age<2.5;Owner?')).toEqual({
      classId: 'SQL.DB',
      conditions: [
        { property: 'Edition', op: 'eq', value: 'Enterprise' },
        { property: 'Tier', op: 'ne', value: 'dev' },
        { property: 'Name', op: 'like', value: 'prod-*' },
        { property: 'Size', op: 'gt', value: 100 },
        { property: 'Age', op: 'lt', value: 2.5 },
        { property: 'Owner', op: 'exists' },
      ],
    });
  });

  it('keeps an equals sign inside the value', () => {
    expect(parseRule('A.B;Conn=a=b').conditions[0]).toEqual({ property: 'Conn', op: 'eq', value: 'a=b' });
  });

  it('accepts a rule written as JSON', () => {
    expect(parseRule('{"classId":"A.B","conditions":[{"property":"X","op":"exists"}]}')).toEqual({
      classId: 'A.B',
      conditions: [{ property: 'X', op: 'exists' }],
    });
  });

  it('refuses a condition without an operator and a rule without a class; keeps a class display name to resolve', () => {
    expect(() => parseRule('A.B;Edition')).toThrow(/not a condition/);
    expect(() => parseRule(';X=1')).toThrow(/classId/);
    expect(parseRule('Windows Computer;X=1').classId).toBe('Windows Computer');
  });

  it('writes a rule back in the same syntax', () => {
    const text = 'SQL.DB;Edition=Enterprise;Size>100;Owner?';
    expect(describeRule(parseRule(text))).toBe(text);
  });
});
