// Runbook parameters: declarations (name, type, required, default, secret) and the check of a job's values
// against them.

export const parameterTypes = ['string', 'int', 'bool', 'object', 'array'] as const;
export type ParameterType = (typeof parameterTypes)[number];

export interface ParameterDeclaration {
  name: string;
  type: ParameterType;
  required: boolean;
  /** Used when a job gives no value; never set on a required or a secret parameter. */
  default?: unknown;
  /** The value is a secret: never audited, shown or logged. */
  secret: boolean;
  description?: string;
}

/** One thing wrong with declarations or values; `path` names the parameter (and the index, for declarations). */
export interface ParameterIssue {
  path: string;
  message: string;
}

export const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export const MAX_PARAMETERS = 50;

const typeNames: Record<ParameterType, string> = {
  string: 'a string',
  int: 'an integer',
  bool: 'true or false',
  object: 'a JSON object',
  array: 'a JSON array',
};

/** Whether a JSON value is of a parameter type; int means a safe integer, object a non-array object. */
export function isOfType(type: ParameterType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'bool':
      return typeof value === 'boolean';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
  }
}

/**
 * Problems with a runbook's declarations: names (unique ignoring case, as PowerShell binds them), defaults
 * of the declared type, no default on a required parameter (it could never be used) nor on a secret one
 * (it would be stored in the clear with the runbook). Paths are relative: `[2].default`.
 */
export function checkDeclarations(declarations: readonly ParameterDeclaration[]): ParameterIssue[] {
  const issues: ParameterIssue[] = [];
  if (declarations.length > MAX_PARAMETERS)
    issues.push({ path: '', message: `a runbook declares at most ${MAX_PARAMETERS} parameters` });
  const seen = new Map<string, number>();
  declarations.forEach((d, i) => {
    if (!PARAMETER_NAME.test(d.name))
      issues.push({
        path: `[${i}].name`,
        message: 'must start with a letter or _ and hold only letters, digits and _ (at most 128)',
      });
    const key = d.name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined)
      issues.push({
        path: `[${i}].name`,
        message: `repeats the name of parameter [${first}] (names ignore case)`,
      });
    else seen.set(key, i);
    if (d.default !== undefined) {
      if (d.required) issues.push({ path: `[${i}].default`, message: 'a required parameter has no default' });
      else if (d.secret)
        issues.push({
          path: `[${i}].default`,
          message: 'a secret parameter has no default (it would be stored in the clear)',
        });
      else if (!isOfType(d.type, d.default))
        issues.push({
          path: `[${i}].default`,
          message: `must be ${typeNames[d.type]} (the type is ${d.type})`,
        });
    }
  });
  return issues;
}

export type ParameterCheck =
  | { kind: 'valid'; values: Record<string, unknown> }
  | { kind: 'invalid'; issues: ParameterIssue[] };

/**
 * Checks the values a job is started with against the declarations of the runbook version it runs: every
 * required parameter given, every value of its declared type, no undeclared name. Names match ignoring
 * case; the values returned use the declared spelling and carry the defaults of the parameters not given.
 * A null value counts as not given. Issue paths are the parameter names; messages never quote a value.
 */
export function validateJobParameters(
  declarations: readonly ParameterDeclaration[],
  values: Readonly<Record<string, unknown>>,
): ParameterCheck {
  const issues: ParameterIssue[] = [];
  const byName = new Map(declarations.map((d) => [d.name.toLowerCase(), d]));
  const given = new Map<string, unknown>();
  for (const [name, value] of Object.entries(values)) {
    const d = byName.get(name.toLowerCase());
    if (!d) {
      issues.push({ path: name, message: 'is not a parameter of this runbook' });
      continue;
    }
    if (given.has(d.name)) {
      issues.push({ path: name, message: `is given twice (as ${d.name} too; names ignore case)` });
      continue;
    }
    if (value === null || value === undefined) continue;
    given.set(d.name, value);
    if (!isOfType(d.type, value)) issues.push({ path: d.name, message: `must be ${typeNames[d.type]}` });
  }
  const out: Record<string, unknown> = {};
  for (const d of declarations) {
    if (given.has(d.name)) out[d.name] = given.get(d.name);
    else if (d.required) issues.push({ path: d.name, message: 'is required' });
    else if (d.default !== undefined) out[d.name] = d.default;
  }
  return issues.length ? { kind: 'invalid', issues } : { kind: 'valid', values: out };
}

/** Names of the declared secret parameters, for leaving their values out of audit records and logs. */
export const secretParameterNames = (declarations: readonly ParameterDeclaration[]): string[] =>
  declarations.filter((d) => d.secret).map((d) => d.name);

/**
 * Checks values kept for later jobs (a schedule's link, a webhook): as a job's values, with the parameters in
 * `filledLater` (WebhookData) counted as given, and no value for a secret parameter (it would be kept in
 * the clear) nor for one filled later.
 */
export function checkKeptParameterValues(
  declarations: readonly ParameterDeclaration[],
  values: Readonly<Record<string, unknown>>,
  filledLater: readonly string[] = [],
): ParameterIssue[] {
  const issues: ParameterIssue[] = [];
  const byName = new Map(declarations.map((d) => [d.name.toLowerCase(), d]));
  const later = new Set(filledLater.map((n) => n.toLowerCase()));
  for (const name of Object.keys(values)) {
    if (later.has(name.toLowerCase()))
      issues.push({ path: name, message: 'is filled in by each call: it cannot be given here' });
    else if (byName.get(name.toLowerCase())?.secret)
      issues.push({ path: name, message: 'is secret: its value cannot be kept for later jobs' });
  }
  if (issues.length) return issues;
  const placeholders = Object.fromEntries(
    declarations.filter((d) => later.has(d.name.toLowerCase())).map((d) => [d.name, {}]),
  );
  const check = validateJobParameters(declarations, { ...values, ...placeholders });
  return check.kind === 'invalid' ? check.issues : [];
}
