// Checking the parameters an assignment gives a definition: only the definition's names, each of its type;
// what is left out takes the definition's default.
import type { ParameterValues, PolicyDefinition } from './policy-definition.js';

export type ParameterIssue = { name: string; message: string };

const isDay = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`));
const realDay = (v: string) => new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v;

/** Every parameter's value (given or default), or the issues naming each bad one. */
export function resolveParameters(
  definition: PolicyDefinition,
  given: Readonly<Record<string, unknown>>,
): { values: ParameterValues } | { issues: ParameterIssue[] } {
  const issues: ParameterIssue[] = [];
  const known = new Set(definition.parameters.map((p) => p.name));
  for (const name of Object.keys(given))
    if (!known.has(name))
      issues.push({
        name,
        message: definition.parameters.length
          ? `is not a parameter of '${definition.id}' (it takes ${[...known].join(', ')})`
          : `is not a parameter: '${definition.id}' takes none`,
      });
  const values: Record<string, string> = {};
  for (const p of definition.parameters) {
    const v = given[p.name];
    if (v === undefined) values[p.name] = p.default;
    else if (typeof v !== 'string' || !isDay(v) || !realDay(v))
      issues.push({ name: p.name, message: 'must be a date YYYY-MM-DD' });
    else values[p.name] = v;
  }
  return issues.length ? { issues } : { values };
}
