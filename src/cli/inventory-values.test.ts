// Proves `--property key=value` text becomes the type the class declares, and that a value that cannot be read is refused naming the property.
import { describe, expect, it } from 'vitest';
import { CliError } from './cli-error.js';
import { coerceValue, collectPropertyDeclaration } from './inventory-values.js';

describe('property values from the command line', () => {
  it('turns text into the declared type', () => {
    expect(coerceValue('Port', '1433', 'int')).toBe(1433);
    expect(coerceValue('Ratio', '0.75', 'double')).toBe(0.75);
    expect(coerceValue('Prod', 'yes', 'bool')).toBe(true);
    expect(coerceValue('Prod', 'FALSE', 'boolean')).toBe(false);
    expect(coerceValue('Name', '1433', 'string')).toBe('1433');
    expect(coerceValue('Unknown', '42', undefined)).toBe('42');
  });

  it('refuses text that is not of the declared type, naming the property', () => {
    expect(() => coerceValue('Port', '14.5', 'int')).toThrow(CliError);
    expect(() => coerceValue('Port', 'many', 'int')).toThrow(/--property Port=many/);
    expect(() => coerceValue('Ratio', '', 'double')).toThrow(CliError);
    expect(() => coerceValue('Prod', 'maybe', 'bool')).toThrow(CliError);
  });

  it('reads class property declarations as name:type', () => {
    expect(collectPropertyDeclaration('Port:INT', [{ name: 'A', type: 'string' }])).toEqual([
      { name: 'A', type: 'string' },
      { name: 'Port', type: 'int' },
    ]);
    expect(() => collectPropertyDeclaration('Port')).toThrow(/name:type/);
  });
});
