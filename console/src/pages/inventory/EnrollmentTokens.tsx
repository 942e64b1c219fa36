// Inventory › Computers and agents › Enrollment tokens: the tokens made, whom each admits and whether it was
// used (never the token itself), and revoking one that is still unused.
import { Alert, Badge, Button, Group, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api.js';
import { ListTable } from '../../components/list-section.js';
import { Empty } from '../../components/states.js';
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
      <ListTable
        query={tokens}
        empty={<Empty title="No enrollment tokens">Create one to admit an agent at once.</Empty>}
        label="Enrollment tokens"
        minWidth={760}
        columns={['Computer', 'State', 'Expires', 'Used', 'Created by']}
        rowKey={(t) => t.id}
        cells={(t) => [
          t.computerName,
          <Badge key="s" color={stateColor[t.state]} variant="outline">
            {t.state}
          </Badge>,
          when(t.expiresAt),
          when(t.usedAt),
          t.createdBy,
        ]}
        rowActions={(t) =>
          t.state === 'unused' ? (
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
          ) : null
        }
      />
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
