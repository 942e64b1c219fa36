// Role assignments of identities: a table, Assign (administrators only: the server refuses others) and Remove.
import { Button, Code, Group, Modal, Select, Stack, TextInput, Tooltip } from '@mantine/core';
import { useState } from 'react';
import {
  createRoleAssignmentBody,
  type RoleAssignment,
  roleAssignmentSchema,
} from '../../../../src/contract/role-assignments.js';
import { resourceRoles, scopeSyntax } from '../../../../src/domain/resource-roles.js';
import { api } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { ListTable, RowActions } from '../../components/list-section.js';
import { Empty } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { when } from '../automation/data.js';
import { ConfirmDelete } from './ConfirmDelete.js';
import type { useRoleAssignments } from './data.js';
import { useSubmit } from './submit.js';

export type Principal = { principalId: string; label: string };

const typeLabel = {
  SystemAssigned: 'System-assigned',
  UserAssigned: 'User-assigned',
  ServicePrincipal: 'Run As',
};

export function RoleAssignments({
  label,
  query,
  principals,
  defaultScope,
  filter = () => true,
}: {
  label: string;
  query: ReturnType<typeof useRoleAssignments>;
  /** Who may be given a role here. */
  principals: Principal[];
  defaultScope: string;
  filter?: (a: RoleAssignment) => boolean;
}) {
  const assign = usePermission('roles.assign');
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<RoleAssignment | null>(null);
  const names = new Map(principals.map((p) => [p.principalId, p.label]));
  return (
    <Stack gap="xs">
      <Group>
        <Tooltip label={assign.reason} disabled={assign.allowed}>
          <Button
            size="xs"
            onClick={() => setAdding(true)}
            disabled={!assign.allowed || principals.length === 0}
          >
            Assign role
          </Button>
        </Tooltip>
      </Group>
      <ListTable
        query={{
          isPending: query.isPending,
          error: query.error,
          data: query.data?.filter(filter),
          refetch: query.refetch,
        }}
        empty={
          <Empty title="No role assignments">
            An identity has no rights until it is assigned a role at a scope.
          </Empty>
        }
        label={label}
        columns={['Identity', 'Role', 'Scope', 'Assigned']}
        rowKey={(a) => a.id}
        cells={(a) => [
          names.get(a.principalId) ?? `${typeLabel[a.principalType]} · ${a.identityId}`,
          a.role,
          <Code key="s">{a.scope}</Code>,
          `${when(a.createdAt)} by ${a.createdBy}`,
        ]}
        rowActions={
          assign.allowed
            ? (a) => (
                <RowActions
                  name={`${a.role} at ${a.scope}`}
                  deleteLabel="Remove"
                  onDelete={() => setRemoving(a)}
                />
              )
            : undefined
        }
      />
      {adding ? (
        <AssignRole principals={principals} defaultScope={defaultScope} onClose={() => setAdding(false)} />
      ) : null}
      {removing ? (
        <ConfirmDelete
          title={`Remove ${removing.role}`}
          submitLabel="Remove"
          onConfirm={() => api.delete(`/api/v1/role-assignments/${encodeURIComponent(removing.id)}`)}
          invalidate={[['role-assignments']]}
          onClose={() => setRemoving(null)}
        >
          {`${names.get(removing.principalId) ?? removing.identityId} loses ${removing.role} at ${removing.scope} on its next request.`}
        </ConfirmDelete>
      ) : null}
    </Stack>
  );
}

function AssignRole({
  principals,
  defaultScope,
  onClose,
}: {
  principals: Principal[];
  defaultScope: string;
  onClose: () => void;
}) {
  const submit = useSubmit();
  const [principalId, setPrincipalId] = useState<string | null>(principals[0]?.principalId ?? null);
  const [role, setRole] = useState<string | null>('Reader');
  const [scope, setScope] = useState(defaultScope);
  const save = async () => {
    const body = { principalId: principalId ?? '', role: role ?? '', scope };
    const done = await submit.run(
      { schema: createRoleAssignmentBody, body },
      () => api.post('/api/v1/role-assignments', body, { schema: roleAssignmentSchema }),
      [['role-assignments']],
    );
    if (done) onClose();
  };
  return (
    <Modal opened onClose={onClose} title="Assign role">
      <Stack>
        <Select
          label="Identity"
          data={principals.map((p) => ({ value: p.principalId, label: p.label }))}
          value={principalId}
          allowDeselect={false}
          error={submit.errors.principalId}
          onChange={setPrincipalId}
        />
        <Select
          label="Role"
          data={[...resourceRoles]}
          value={role}
          allowDeselect={false}
          error={submit.errors.role}
          onChange={setRole}
        />
        <TextInput
          label="Scope"
          description={`One of ${scopeSyntax}`}
          spellCheck={false}
          value={scope}
          error={submit.errors.scope && `Scope ${submit.errors.scope}`}
          onChange={(e) => setScope(e.currentTarget.value)}
        />
        <DialogActions
          error={submit.error}
          busy={submit.busy}
          submitLabel="Assign"
          onSubmit={save}
          onCancel={onClose}
        />
      </Stack>
    </Modal>
  );
}
