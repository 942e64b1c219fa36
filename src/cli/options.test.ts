// Proves the option parsers: times (ISO or an age), key=value pairs and bounded integers, each refusing bad text.
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { collectKeyValue, integerOption, parseTime } from './options.js';

describe('option parsers', () => {
  const now = new Date('2025-03-10T12:00:00.000Z');

  it('reads an age as that long before now', () => {
    expect(parseTime('30m', now)).toBe('2025-03-10T11:30:00.000Z');
    expect(parseTime('2h', now)).toBe('2025-03-10T10:00:00.000Z');
    expect(parseTime('7d', now)).toBe('2025-03-03T12:00:00.000Z');
  });

  it('reads ISO dates and times, normalised to UTC', () => {
    expect(parseTime('2025-01-31', now)).toBe('2025-01-31T00:00:00.000Z');
    expect(parseTime('2025-01-31T08:00:00+02:00', now)).toBe('2025-01-31T06:00:00.000Z');
  });

  it('refuses words and impossible dates', () => {
    expect(() => parseTime('yesterday', now)).toThrow(InvalidArgumentError);
    expect(() => parseTime('2025-13-45', now)).toThrow(InvalidArgumentError);
    expect(() => parseTime('5y', now)).toThrow(InvalidArgumentError);
  });

  it('collects repeated key=value pairs, keeping = inside the value and allowing an empty value', () => {
    let acc = collectKeyValue('a=1');
    acc = collectKeyValue('conn=x=y', acc);
    acc = collectKeyValue('empty=', acc);
    expect(acc).toEqual({ a: '1', conn: 'x=y', empty: '' });
    expect(() => collectKeyValue('novalue')).toThrow(InvalidArgumentError);
    expect(() => collectKeyValue('=x')).toThrow(InvalidArgumentError);
  });

  it('accepts whole numbers inside the bounds only', () => {
    const limit = integerOption(1, 1000);
    expect(limit('250')).toBe(250);
    for (const bad of ['0', '1001', '2.5', '-3', 'ten', ''])
      expect(() => limit(bad)).toThrow(InvalidArgumentError);
  });
});
