// The draft's parameter declarations as rows: name, type, required, secret, default and description.
import {
  ActionIcon,
  Button,
  Checkbox,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { parameterTypes } from '../../../../src/domain/automation/parameters.js';

export interface DeclarationRow {
  name: string;
  type: (typeof parameterTypes)[number];
  required: boolean;
  secret: boolean;
  /** As typed: a string parameter's text, JSON for the others; empty for no default. */
  defaultText: string;
  description: string;
}

export const rowsOf = (
  declarations: readonly {
    name: string;
    type: DeclarationRow['type'];
    required: boolean;
    secret: boolean;
    default?: unknown;
    description?: string;
  }[],
): DeclarationRow[] =>
  declarations.map((d) => ({
    name: d.name,
    type: d.type,
    required: d.required,
    secret: d.secret,
    defaultText:
      d.default === undefined ? '' : d.type === 'string' ? String(d.default) : JSON.stringify(d.default),
    description: d.description ?? '',
  }));

/** The declarations the API takes; a default that is not JSON is sent as text, for the API to name the field. */
export const declarationsOf = (rows: readonly DeclarationRow[]) =>
  rows.map((r) => {
    let value: unknown;
    if (r.defaultText !== '') {
      if (r.type === 'string') value = r.defaultText;
      else
        try {
          value = JSON.parse(r.defaultText);
        } catch {
          value = r.defaultText;
        }
    }
    return {
      name: r.name,
      type: r.type,
      required: r.required,
      secret: r.secret,
      ...(value === undefined ? {} : { default: value }),
      ...(r.description ? { description: r.description } : {}),
    };
  });

export function ParametersEditor({
  rows,
  errors,
  readOnly,
  onChange,
}: {
  rows: DeclarationRow[];
  errors: Record<string, string>;
  readOnly: boolean;
  onChange: (rows: DeclarationRow[]) => void;
}) {
  const set = (i: number, patch: Partial<DeclarationRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const err = (i: number, field: string) =>
    errors[`parameters.${i}.${field}`] ?? errors[`parameters[${i}].${field}`];
  return (
    <Stack gap="xs">
      {rows.length === 0 ? <Text c="dimmed">No parameters: jobs start without values.</Text> : null}
      {rows.length ? (
        <Table.ScrollContainer minWidth={760}>
          <Table aria-label="Parameters">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Required</Table.Th>
                <Table.Th>Secret</Table.Th>
                <Table.Th>Default</Table.Th>
                <Table.Th>Description</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place while edited
                <Table.Tr key={i}>
                  <Table.Td>
                    <TextInput
                      aria-label={`Name of parameter ${i + 1}`}
                      value={r.name}
                      readOnly={readOnly}
                      error={err(i, 'name')}
                      onChange={(e) => set(i, { name: e.currentTarget.value })}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Select
                      aria-label={`Type of parameter ${i + 1}`}
                      data={[...parameterTypes]}
                      value={r.type}
                      readOnly={readOnly}
                      allowDeselect={false}
                      onChange={(v) => v && set(i, { type: v as DeclarationRow['type'] })}
                      w={110}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Checkbox
                      aria-label={`Parameter ${i + 1} is required`}
                      checked={r.required}
                      disabled={readOnly}
                      onChange={(e) => set(i, { required: e.currentTarget.checked })}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Checkbox
                      aria-label={`Parameter ${i + 1} is secret`}
                      checked={r.secret}
                      disabled={readOnly}
                      onChange={(e) => set(i, { secret: e.currentTarget.checked })}
                    />
                  </Table.Td>
                  <Table.Td>
                    <TextInput
                      aria-label={`Default of parameter ${i + 1}`}
                      value={r.defaultText}
                      readOnly={readOnly}
                      disabled={r.required || r.secret}
                      error={err(i, 'default')}
                      onChange={(e) => set(i, { defaultText: e.currentTarget.value })}
                    />
                  </Table.Td>
                  <Table.Td>
                    <TextInput
                      aria-label={`Description of parameter ${i + 1}`}
                      value={r.description}
                      readOnly={readOnly}
                      onChange={(e) => set(i, { description: e.currentTarget.value })}
                    />
                  </Table.Td>
                  <Table.Td>
                    {readOnly ? null : (
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={`Remove parameter ${r.name || i + 1}`}
                        onClick={() => onChange(rows.filter((_, j) => j !== i))}
                      >
                        <span aria-hidden>×</span>
                      </ActionIcon>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      {readOnly ? null : (
        <Button
          variant="light"
          size="xs"
          w="fit-content"
          onClick={() =>
            onChange([
              ...rows,
              { name: '', type: 'string', required: false, secret: false, defaultText: '', description: '' },
            ])
          }
        >
          Add parameter
        </Button>
      )}
    </Stack>
  );
}
