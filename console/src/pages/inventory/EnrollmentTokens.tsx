// Inventory › Computers and agents › Enrollment tokens: the tokens made, whom each admits and whether it was
// used (never the token itself), and revoking one that is still unused.
import { Alert, Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api.js';
import { Empty, QueryView } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { useSubmit } from '../automation-admin/submit.js';
import { useEnrollmentTokens, when } from './data.js';
import { EnrollmentToken } from './EnrollmentToken.js';

const stateColor = { unused: 'blue', used: 'gray', expired: 'gray' } as const;

export function EnrollmentTokens() {
  const manage = usePermission('agents.manage');
  const tokens = useEnrollmentTokens(manage.allowed);
  const qc = useQueryClient();
  const [creating, setCreating] = useState(false);
  const revoking = useSubmit();
  const [busy, setBusy] = useState<string | null>(null);
  if (!manage.allowed) return <Alert color="gray">{manage.reason}</Alert>;
  const revoke = async (id: string) => {
    setBusy(id);
    await revoking.run(null, () => api.delete(`/api/v1/agents/enrollment-tokens/${encodeURIComponent(id)}`), [
      ['enrollment-tokens'],
    ]);
    setBusy(null);
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Text c="dimmed" size="sm">
          A token is shown once, when it is made; Steward keeps only its hash.
        </Text>
        <Button onClick={() => setCreating(true)}>Create enrollment token</Button>
      </Group>
      {revoking.error ? (
        <Alert color="red" role="alert">
          {revoking.error}
        </Alert>
      ) : null}
      <QueryView
        query={tokens}
        isEmpty={(items) => items.length === 0}
        empty={<Empty title="No enrollment tokens">Create one to admit an agent at once.</Empty>}
      >
        {(items) => (
          <Table.ScrollContainer minWidth={760}>
            <Table striped aria-label="Enrollment tokens">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Computer</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Expires</Table.Th>
                  <Table.Th>Used</Table.Th>
                  <Table.Th>Created by</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((t) => (
                  <Table.Tr key={t.id}>
                    <Table.Td>{t.computerName}</Table.Td>
                    <Table.Td>
                      <Badge color={stateColor[t.state]} variant="outline">
                        {t.state}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{when(t.expiresAt)}</Table.Td>
                    <Table.Td>{when(t.usedAt)}</Table.Td>
                    <Table.Td>{t.createdBy}</Table.Td>
                    <Table.Td>
                      {t.state === 'unused' ? (
                        <Button
                          size="xs"
                          variant="light"
                          color="red"
                          loading={busy === t.id}
                          aria-label={`Revoke the token for ${t.computerName}`}
                          onClick={() => revoke(t.id)}
                        >
                          Revoke
                        </Button>
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryView>
      {creating ? (
        <EnrollmentToken
          onClose={() => {
            setCreating(false);
            void qc.invalidateQueries({ queryKey: ['enrollment-tokens'] });
          }}
        />
      ) : null}
    </Stack>
  );
}
