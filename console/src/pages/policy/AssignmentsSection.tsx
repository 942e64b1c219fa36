// The Policy page's assignments: each policy's scope, effect and parameters, and Remove (administrators only;
// the server's default assignment comes from its configuration and is changed there).
import { Alert, Badge, Button, Code, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { PolicyAssignmentView } from '../../../../src/contract/policy.js';
import { api } from '../../api.js';
import { Empty, QueryView } from '../../components/states.js';
import { useAutomationAccounts, when } from '../automation/data.js';
import { ConfirmDelete } from '../automation-admin/ConfirmDelete.js';
import { policyKey, usePolicyAssignments } from './data.js';

const configured =
  "The server's default assignment: change STEWARD_RUNAS_POLICY_EFFECT (Disabled turns it off) and restart.";

/** '/' or the automation account's name, for a scope path. */
export function useScopeName() {
  const accounts = useAutomationAccounts();
  return (scope: string) => {
    if (scope === '/') return 'Every automation account (/)';
    const id = scope.replace(/^\/automationAccounts\//, '');
    return accounts.data?.find((a) => a.id === id)?.name ?? scope;
  };
}

export function AssignmentsSection({ permission }: { permission: { allowed: boolean; reason: string } }) {
  const assignments = usePolicyAssignments(permission.allowed);
  const scopeName = useScopeName();
  const [removing, setRemoving] = useState<PolicyAssignmentView | null>(null);
  return (
    <>
      <Title order={2} size="h4">
        Assignments
      </Title>
      {permission.allowed ? (
        <QueryView
          query={assignments}
          isEmpty={(items) => items.length === 0}
          empty={
            <Empty title="No policy assignments">
              A policy judges nothing until it is assigned at a scope with an effect.
            </Empty>
          }
        >
          {(items) => (
            <Table.ScrollContainer minWidth={900}>
              <Table striped aria-label="Policy assignments">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Policy</Table.Th>
                    <Table.Th>Scope</Table.Th>
                    <Table.Th w={100}>Effect</Table.Th>
                    <Table.Th>Parameters</Table.Th>
                    <Table.Th>Assigned by</Table.Th>
                    <Table.Th>Assigned</Table.Th>
                    <Table.Th>Actions</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((a) => (
                    <Table.Tr key={a.id}>
                      <Table.Td>
                        {a.definitionName} <Code>{a.id}</Code>
                      </Table.Td>
                      <Table.Td>{scopeName(a.scope)}</Table.Td>
                      <Table.Td>
                        <Badge variant="light" tt="none" color={a.effect === 'Deny' ? 'red' : undefined}>
                          {a.effect}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        {Object.entries(a.parameters)
                          .map(([k, v]) => `${k} = ${v}`)
                          .join(', ') || 'None'}
                      </Table.Td>
                      <Table.Td>{a.createdBy}</Table.Td>
                      <Table.Td>{when(a.createdAt)}</Table.Td>
                      <Table.Td>
                        {a.origin === 'api' ? (
                          <Button
                            size="compact-sm"
                            variant="subtle"
                            color="red"
                            aria-label={`Remove ${a.definitionName} at ${scopeName(a.scope)}`}
                            onClick={() => setRemoving(a)}
                          >
                            Remove
                          </Button>
                        ) : (
                          <Text size="xs" c="dimmed" maw={260}>
                            {configured}
                          </Text>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </QueryView>
      ) : (
        <Alert color="gray">{permission.reason} Only administrators see, make and remove assignments.</Alert>
      )}
      {removing ? (
        <ConfirmDelete
          title={`Remove ${removing.definitionName}`}
          submitLabel="Remove"
          onConfirm={() => api.delete(`/api/v1/policy/assignments/${encodeURIComponent(removing.id)}`)}
          invalidate={[policyKey]}
          onClose={() => setRemoving(null)}
        >
          {`The policy stops judging ${scopeName(removing.scope)}: its ${removing.effect} effect ends at once.`}
        </ConfirmDelete>
      ) : null}
    </>
  );
}
