// The dialog that defines a connection type or changes a user-defined one in place: its name (fixed once made), a
// description, and its fields, each with a name, a type, and whether it is encrypted (sealed and write-only in
// every connection of the type) or optional. Field names are checked by the API, which names the field it refuses.
import {
  ActionIcon,
  Button,
  Checkbox,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useId, useState } from 'react';
import { z } from 'zod';
import {
  assetNameSchema,
  connectionTypeSchema,
  setConnectionTypeBody,
} from '../../../../src/contract/automation-assets.js';
import {
  type ConnectionFieldDeclaration,
  type ConnectionFieldType,
  connectionFieldTypes,
} from '../../../../src/domain/automation/connection-fields.js';
import { api } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { NameFields } from '../../components/name-fields.js';
import { useSubmit } from './submit.js';

const enc = encodeURIComponent;

type ConnectionType = z.infer<typeof connectionTypeSchema>;

const typeLabels: Record<ConnectionFieldType, string> = {
  string: 'string (text)',
  int: 'int (whole number)',
  bool: 'bool (true or false)',
};

const blankField = (): ConnectionFieldDeclaration => ({
  name: '',
  type: 'string',
  encrypted: false,
  optional: false,
});

export function ConnectionTypeDialog({
  accountId,
  existing,
  onClose,
}: {
  accountId: string;
  /** The user-defined type to change in place; none: a new one. */
  existing?: ConnectionType;
  onClose: () => void;
}) {
  const [name, setName] = useState(existing?.name ?? '');
  const [description, setDescription] = useState(existing?.description ?? '');
  const [fields, setFields] = useState<ConnectionFieldDeclaration[]>(
    existing ? existing.fields.map((f) => ({ ...f })) : [blankField()],
  );
  const submit = useSubmit();
  const save = async () => {
    // The name is in the path, not the body: the contract's rule for it is checked here first.
    if (!assetNameSchema.safeParse(name).success)
      return submit.run(
        { schema: z.object({ name: assetNameSchema }), body: { name } },
        async () => undefined,
      );
    // A change sends the description even when emptied: the API keeps the old one when it is left out.
    const body = { ...(description || existing ? { description } : {}), fields };
    const done = await submit.run(
      { schema: setConnectionTypeBody, body },
      () =>
        api.put(`/api/v1/automation-accounts/${enc(accountId)}/connection-types/${enc(name)}`, body, {
          schema: connectionTypeSchema,
        }),
      [['connection-types', accountId]],
    );
    if (done) onClose();
  };
  return (
    <Modal
      opened
      onClose={onClose}
      title={existing ? `Change connection type ${existing.name}` : 'Add connection type'}
      size="xl"
    >
      <Stack>
        <NameFields
          name={name}
          onNameChange={setName}
          description={description}
          onDescriptionChange={setDescription}
          errors={submit.errors}
          fixed={!!existing}
          nameHint={
            existing
              ? 'A connection type keeps its name: connections name their type.'
              : 'Connections of this type name it, as they name AzureServicePrincipal.'
          }
        />
        <FieldsEditor fields={fields} errors={submit.errors} onChange={setFields} />
        {existing ? (
          <Text size="sm" c="dimmed">
            The fields of a type cannot change while connections use it.
          </Text>
        ) : null}
        <DialogActions
          error={submit.error}
          busy={submit.busy}
          submitLabel={existing ? 'Save' : 'Create'}
          onSubmit={save}
          onCancel={onClose}
        />
      </Stack>
    </Modal>
  );
}

/** The field declarations as rows; the contract keys a refused field `fields.1.name`, the API `fields[1].name`. */
function FieldsEditor({
  fields,
  errors,
  onChange,
}: {
  fields: ConnectionFieldDeclaration[];
  errors: Record<string, string>;
  onChange: (fields: ConnectionFieldDeclaration[]) => void;
}) {
  const set = (i: number, patch: Partial<ConnectionFieldDeclaration>) =>
    onChange(fields.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  const err = (i: number, part: string) => errors[`fields.${i}.${part}`] ?? errors[`fields[${i}].${part}`];
  const heading = useId();
  return (
    <Stack gap="xs">
      <Text fw={500} size="sm" id={heading}>
        Fields
      </Text>
      {fields.length ? (
        <Table.ScrollContainer minWidth={620}>
          <Table aria-labelledby={heading}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Encrypted</Table.Th>
                <Table.Th>Optional</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {fields.map((f, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place while edited
                <Table.Tr key={i}>
                  <Table.Td>
                    <TextInput
                      aria-label={`Name of field ${i + 1}`}
                      autoComplete="off"
                      spellCheck={false}
                      value={f.name}
                      error={err(i, 'name')}
                      onChange={(e) => set(i, { name: e.currentTarget.value })}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Select
                      aria-label={`Type of field ${i + 1}`}
                      data={connectionFieldTypes.map((t) => ({ value: t, label: typeLabels[t] }))}
                      value={f.type}
                      allowDeselect={false}
                      error={err(i, 'type')}
                      onChange={(v) => v && set(i, { type: v as ConnectionFieldType })}
                      w={190}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Checkbox
                      aria-label={`Field ${i + 1} is encrypted`}
                      checked={f.encrypted}
                      onChange={(e) => set(i, { encrypted: e.currentTarget.checked })}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Checkbox
                      aria-label={`Field ${i + 1} is optional`}
                      checked={f.optional}
                      onChange={(e) => set(i, { optional: e.currentTarget.checked })}
                    />
                  </Table.Td>
                  <Table.Td>
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      aria-label={`Remove field ${f.name || i + 1}`}
                      onClick={() => onChange(fields.filter((_, j) => j !== i))}
                    >
                      <span aria-hidden>×</span>
                    </ActionIcon>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : (
        <Text size="sm" c="dimmed">
          No fields: a connection type needs at least one.
        </Text>
      )}
      {errors.fields ? (
        <Text size="sm" c="red" role="alert">
          Fields {errors.fields}
        </Text>
      ) : null}
      <Text size="xs" c="dimmed">
        An encrypted field is sealed and write-only in every connection of this type, like a password.
      </Text>
      <Button variant="light" size="xs" w="fit-content" onClick={() => onChange([...fields, blankField()])}>
        Add field
      </Button>
    </Stack>
  );
}
