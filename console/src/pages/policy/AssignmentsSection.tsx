// The Policy page's assignments: each policy's scope, effect and parameters, and Remove (administrators only;
// the server's default assignment comes from its configuration and is changed there).
import { Alert, Badge, Code, Text, Title } from '@mantine/core';
import { Fragment, useState } from 'react';
import type { PolicyAssignmentView } from '../../../../src/contract/policy.js';
import { api } from '../../api.js';
import { ListTable, RowActions } from '../../components/list-section.js';
import { Empty } from '../../components/states.js';
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
        <ListTable
          query={assignments}
          empty={
            <Empty title="No policy assignments">
              A policy judges nothing until it is assigned at a scope with an effect.
            </Empty>
          }
          label="Policy assignments"
          minWidth={900}
          columns={['Policy', 'Scope', 'Effect', 'Parameters', 'Assigned by', 'Assigned']}
          rowKey={(a) => a.id}
          cells={(a) => [
            <Fragment key="p">
              {a.definitionName} <Code>{a.id}</Code>
            </Fragment>,
            scopeName(a.scope),
            <Badge key="e" variant="light" tt="none" color={a.effect === 'Deny' ? 'red' : undefined}>
              {a.effect}
            </Badge>,
            Object.entries(a.parameters)
              .map(([k, v]) => `${k} = ${v}`)
              .join(', ') || 'None',
            a.createdBy,
            when(a.createdAt),
          ]}
          rowActions={(a) =>
            a.origin === 'api' ? (
              <RowActions
                name={`${a.definitionName} at ${scopeName(a.scope)}`}
                deleteLabel="Remove"
                onDelete={() => setRemoving(a)}
              />
            ) : (
              <Text size="xs" c="dimmed" maw={260}>
                {configured}
              </Text>
            )
          }
        />
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
