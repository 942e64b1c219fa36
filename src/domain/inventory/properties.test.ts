// Proves object property values are checked against the declared types, and key properties must be given.
import { describe, expect, it } from 'vitest';
import { checkProperties, nameFromKeys } from './properties.js';

const declared = [
  { name: 'instanceName', type: 'string' },
  { name: 'port', type: 'int' },
  { name: 'ratio', type: 'double' },
  { name: 'clustered', type: 'bool' },
  { name: 'installedAt', type: 'datetime' },
  { name: 'serviceId', type: 'guid' },
  { name: 'fromXml', type: 'Boolean' },
];

describe('property checks', () => {
  it('accepts values of the declared types', () => {
    expect(
      checkProperties(
        {
          instanceName: 'X',
          port: 1433,
          ratio: 0.5,
          clustered: true,
          installedAt: '2024-01-02T03:04:05Z',
          serviceId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
          fromXml: false,
        },
        declared,
        ['instanceName'],
        'SQL',
      ),
    ).toEqual([]);
  });

  it('names each unknown or mistyped property and each missing key property', () => {
    const issues = checkProperties(
      { port: 1.5, clustered: 'yes', color: 'red', installedAt: 'yesterday', fromXml: 1 },
      declared,
      ['instanceName'],
      'SQL',
    );
    expect(issues.map((i) => i.property).sort()).toEqual(
      ['clustered', 'color', 'fromXml', 'installedAt', 'instanceName', 'port'].sort(),
    );
    expect(issues.find((i) => i.property === 'color')!.message).toContain('not a property of class SQL');
  });

  it('builds a default name from the key values in key order', () => {
    expect(nameFromKeys({ b: 2, a: 'x' }, ['a', 'b'])).toBe('x/2');
  });
});
