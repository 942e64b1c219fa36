// Connection types and the check of a connection's field values against its type.

export const connectionFieldTypes = ['string', 'int', 'bool'] as const;
export type ConnectionFieldType = (typeof connectionFieldTypes)[number];

export interface ConnectionFieldDeclaration {
  name: string;
  type: ConnectionFieldType;
  /** Sealed and write-only, like a password. */
  encrypted: boolean;
  optional: boolean;
}

export interface BuiltInConnectionType {
  name: string;
  description: string;
  fields: readonly ConnectionFieldDeclaration[];
}

const requiredString = (name: string): ConnectionFieldDeclaration => ({
  name,
  type: 'string',
  encrypted: false,
  optional: false,
});

/** Made with every automation account, as Azure Automation does; they cannot be changed or deleted. */
export const builtInConnectionTypes: readonly BuiltInConnectionType[] = [
  {
    name: 'AzureServicePrincipal',
    description: 'An Entra application signing in with a certificate (the Run As connection, R48).',
    fields: ['ApplicationId', 'TenantId', 'CertificateThumbprint', 'SubscriptionId'].map(requiredString),
  },
];

export const CONNECTION_FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export interface FieldIssue {
  path: string;
  message: string;
}

/** Problems with a connection type's field declarations: names valid and unique ignoring case. */
export function checkFieldDeclarations(fields: readonly ConnectionFieldDeclaration[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  fields.forEach((f, i) => {
    if (!CONNECTION_FIELD_NAME.test(f.name))
      issues.push({
        path: `[${i}].name`,
        message: 'must start with a letter or _ and hold only letters, digits and _ (at most 128)',
      });
    else if (seen.has(f.name.toLowerCase()))
      issues.push({ path: `[${i}].name`, message: 'repeats another field name (names ignore case)' });
    seen.add(f.name.toLowerCase());
  });
  return issues;
}

const fits = (type: ConnectionFieldType, v: unknown) =>
  type === 'string'
    ? typeof v === 'string'
    : type === 'int'
      ? typeof v === 'number' && Number.isSafeInteger(v)
      : typeof v === 'boolean';

/**
 * Splits a connection's values by its type: the plain fields (shown) and the encrypted ones (sealed). Issues
 * name each field that is missing, unknown or of the wrong type; messages never quote a value.
 */
export function checkConnectionValues(
  fields: readonly ConnectionFieldDeclaration[],
  values: Readonly<Record<string, unknown>>,
):
  | { kind: 'valid'; plain: Record<string, unknown>; encrypted: Record<string, unknown> }
  | { kind: 'invalid'; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const declared = new Map(fields.map((f) => [f.name, f]));
  for (const name of Object.keys(values)) {
    if (!declared.has(name)) {
      const near = fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
      issues.push({
        path: name,
        message: near
          ? `is not a field of this type (did you mean ${near.name}?)`
          : 'is not a field of this type',
      });
    }
  }
  const plain: Record<string, unknown> = {};
  const encrypted: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values[f.name];
    if (v === undefined || v === null || v === '') {
      if (!f.optional) issues.push({ path: f.name, message: 'is required' });
      continue;
    }
    if (!fits(f.type, v)) {
      issues.push({
        path: f.name,
        message: `must be ${f.type === 'string' ? 'a string' : f.type === 'int' ? 'an integer' : 'true or false'}`,
      });
      continue;
    }
    (f.encrypted ? encrypted : plain)[f.name] = v;
  }
  return issues.length ? { kind: 'invalid', issues } : { kind: 'valid', plain, encrypted };
}
