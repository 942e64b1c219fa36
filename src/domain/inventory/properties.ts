// Object property values checked against the properties their class declares (with inherited ones).

export interface PropertyIssue {
  /** The property name. */
  property: string;
  message: string;
}

const typeAliases: Record<string, string> = {
  string: 'string',
  richtext: 'string',
  longstring: 'string',
  int: 'int',
  integer: 'int',
  double: 'double',
  decimal: 'double',
  float: 'double',
  bool: 'bool',
  boolean: 'bool',
  datetime: 'datetime',
  guid: 'guid',
};

const checks: Record<string, { ok: (v: unknown) => boolean; message: string }> = {
  string: { ok: (v) => typeof v === 'string', message: 'must be a string' },
  int: { ok: (v) => typeof v === 'number' && Number.isSafeInteger(v), message: 'must be an integer' },
  double: { ok: (v) => typeof v === 'number' && Number.isFinite(v), message: 'must be a number' },
  bool: { ok: (v) => typeof v === 'boolean', message: 'must be true or false' },
  datetime: {
    ok: (v) =>
      typeof v === 'string' &&
      /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(v) &&
      !Number.isNaN(Date.parse(v)),
    message: 'must be an ISO 8601 date or date-time',
  },
  guid: {
    ok: (v) =>
      typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
    message: 'must be a GUID',
  },
};

/** Unknown properties, values of the wrong type, and key properties left out. */
export function checkProperties(
  values: Readonly<Record<string, unknown>>,
  declared: readonly { name: string; type: string }[],
  keyProperties: readonly string[],
  classId: string,
): PropertyIssue[] {
  const issues: PropertyIssue[] = [];
  const types = new Map(declared.map((p) => [p.name, p.type]));
  for (const [name, value] of Object.entries(values)) {
    const type = types.get(name);
    if (type === undefined) {
      issues.push({ property: name, message: `is not a property of class ${classId}` });
      continue;
    }
    const check = checks[typeAliases[type.toLowerCase()] ?? ''];
    if (check && !check.ok(value)) issues.push({ property: name, message: check.message });
  }
  for (const key of keyProperties) {
    const v = values[key];
    if (v === undefined || v === null || v === '') {
      issues.push({ property: key, message: `is a key property of class ${classId} and must be given` });
    }
  }
  return issues;
}

/** The default object name: the key property values, in key order, joined by "/". */
export const nameFromKeys = (values: Readonly<Record<string, unknown>>, keyProperties: readonly string[]) =>
  keyProperties.map((k) => String(values[k])).join('/');
