// An automation account's connection types, in its Assets tab: the built-in ones (shown, never changed) and the
// user-defined ones, each with its fields and their type, encrypted and optional marks.
import { Badge, Button, Code, Group, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import type { connectionTypeSchema } from '../../../../src/contract/automation-assets.js';
import { api } from '../../api.js';
import { ListSection, RowActions } from '../../components/list-section.js';
import { Empty } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { ConfirmDelete } from './ConfirmDelete.js';
import { ConnectionTypeDialog } from './ConnectionTypeDialog.js';
import { useConnectionTypes } from './data.js';

type ConnectionType = z.infer<typeof connectionTypeSchema>;

function FieldList({ type }: { type: ConnectionType }) {
  return (
    <Stack gap={4}>
      {type.fields.map((f) => (
        <Group key={f.name} gap={6} wrap="nowrap">
          <Code>{f.name}</Code>
          <Text size="sm">{f.type}</Text>
          {f.encrypted ? (
            <Badge size="sm" variant="light" color="grape">
              Encrypted
            </Badge>
          ) : null}
          {f.optional ? (
            <Badge size="sm" variant="light" color="gray">
              Optional
            </Badge>
          ) : null}
        </Group>
      ))}
    </Stack>
  );
}

export function ConnectionTypesSection({ accountId }: { accountId: string }) {
  const manage = usePermission('automation.manage');
  const types = useConnectionTypes(accountId);
  const [adding, setAdding] = useState(false);
  const [changing, setChanging] = useState<ConnectionType | null>(null);
  const [deleting, setDeleting] = useState<ConnectionType | null>(null);
  return (
    <ListSection
      title="Connection types"
      actions={
        manage.allowed ? (
          <Button size="xs" onClick={() => setAdding(true)}>
            Add connection type
          </Button>
        ) : null
      }
      query={types}
      empty={
        <Empty title="No connection types">
          The fields a connection holds; an encrypted field is sealed and write-only in every connection.
        </Empty>
      }
      columns={['Name', 'Fields', 'Defined', 'Description']}
      rowKey={(t) => t.id}
      cells={(t) => [
        t.name,
        <FieldList key="f" type={t} />,
        <Badge key="d" variant="light" color={t.builtIn ? 'blue' : 'teal'} miw="max-content">
          {t.builtIn ? 'Built in' : 'User-defined'}
        </Badge>,
        t.description,
      ]}
      rowActions={
        manage.allowed
          ? (t) =>
              t.builtIn ? (
                <Text size="sm" c="dimmed">
                  Cannot be changed or deleted
                </Text>
              ) : (
                <RowActions
                  name={`connection type ${t.name}`}
                  onChange={() => setChanging(t)}
                  onDelete={() => setDeleting(t)}
                />
              )
          : undefined
      }
    >
      {adding ? <ConnectionTypeDialog accountId={accountId} onClose={() => setAdding(false)} /> : null}
      {changing ? (
        <ConnectionTypeDialog accountId={accountId} existing={changing} onClose={() => setChanging(null)} />
      ) : null}
      {deleting ? (
        <ConfirmDelete
          title={`Delete connection type ${deleting.name}`}
          onConfirm={() =>
            api.delete(
              `/api/v1/automation-accounts/${encodeURIComponent(accountId)}/connection-types/${encodeURIComponent(deleting.name)}`,
            )
          }
          invalidate={[['connection-types', accountId]]}
          onClose={() => setDeleting(null)}
        >
          A type that connections use cannot be deleted: delete those connections first.
        </ConfirmDelete>
      ) : null}
    </ListSection>
  );
}
