// The fields of a runbook's declared parameters, and the values they make, checked by the same rule as the API.
import { Checkbox, NumberInput, PasswordInput, Stack, Text, Textarea, TextInput } from '@mantine/core';
import type { Runbook } from '../../../../src/contract/automation.js';
import { validateJobParameters } from '../../../../src/domain/automation/parameters.js';

type Declaration = Runbook['draft']['parameters'][number];
export type RawValues = Record<string, string | boolean>;

/** Values of the form as the API takes them, or the issues by parameter name (the API's rule, run here first). */
export function collectValues(
  declarations: readonly Declaration[],
  raw: RawValues,
): { values: Record<string, unknown>; issues: Record<string, string> } {
  const values: Record<string, unknown> = {};
  const issues: Record<string, string> = {};
  for (const d of declarations) {
    const v = raw[d.name];
    if (v === undefined || v === '') continue;
    if (d.type === 'bool') values[d.name] = v === true;
    else if (d.type === 'string') values[d.name] = v;
    else if (d.type === 'int') values[d.name] = Number(v);
    else {
      try {
        values[d.name] = JSON.parse(String(v));
      } catch {
        issues[d.name] = 'must be JSON';
      }
    }
  }
  const check = validateJobParameters(declarations, values);
  if (check.kind === 'invalid') for (const i of check.issues) issues[i.path] ??= i.message;
  return { values, issues };
}

/** The form's starting values: the defaults, shown as they would be typed. */
export const initialValues = (declarations: readonly Declaration[]): RawValues =>
  Object.fromEntries(
    declarations
      .filter((d) => d.default !== undefined || d.type === 'bool')
      .map((d) => [
        d.name,
        d.type === 'bool'
          ? d.default === true
          : d.type === 'string'
            ? String(d.default)
            : JSON.stringify(d.default),
      ]),
  );

export function ParameterFields({
  declarations,
  values,
  errors,
  onChange,
}: {
  declarations: readonly Declaration[];
  values: RawValues;
  errors: Record<string, string>;
  onChange: (values: RawValues) => void;
}) {
  if (declarations.length === 0) return <Text c="dimmed">This runbook declares no parameters.</Text>;
  const set = (name: string, v: string | boolean) => onChange({ ...values, [name]: v });
  return (
    <Stack gap="sm">
      {declarations.map((d) => {
        const label = `${d.name}${d.required ? '' : ' (optional)'}`;
        const description = [d.description, `${d.type}${d.secret ? ', secret: never shown again' : ''}`]
          .filter(Boolean)
          .join(' · ');
        const error = errors[d.name] && `${d.name} ${errors[d.name]}`;
        const v = values[d.name];
        const text = typeof v === 'string' ? v : '';
        if (d.type === 'bool')
          return (
            <Checkbox
              key={d.name}
              label={d.name}
              description={description}
              checked={v === true}
              error={error}
              onChange={(e) => set(d.name, e.currentTarget.checked)}
            />
          );
        if (d.type === 'int')
          return (
            <NumberInput
              key={d.name}
              label={label}
              description={description}
              allowDecimal={false}
              value={text}
              error={error}
              onChange={(n) => set(d.name, String(n))}
            />
          );
        if (d.secret)
          return (
            <PasswordInput
              key={d.name}
              label={label}
              description={description}
              autoComplete="new-password"
              value={text}
              error={error}
              onChange={(e) => set(d.name, e.currentTarget.value)}
            />
          );
        const Input = d.type === 'string' ? TextInput : Textarea;
        return (
          <Input
            key={d.name}
            label={label}
            description={description}
            placeholder={
              d.type === 'string' ? undefined : d.type === 'array' ? '[ … ] (JSON)' : '{ … } (JSON)'
            }
            spellCheck={false}
            value={text}
            error={error}
            onChange={(e) => set(d.name, e.currentTarget.value)}
          />
        );
      })}
    </Stack>
  );
}
