// An automation account's managed identities: the system-assigned one (on or off), the user-assigned ones
// attached to it (attach, detach), and the role assignments of all of them.
import {
  Alert,
  Anchor,
  Button,
  Code,
  Group,
  Select,
  Stack,
  Switch,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { useState } from 'react';
import { Link } from 'wouter';
import { type AutomationAccount, automationAccountSchema } from '../../../../src/contract/automation.js';
import type { AccountIdentityInput } from '../../../../src/contract/identities.js';
import { api } from '../../api.js';
import { ListSection } from '../../components/list-section.js';
import { Empty } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { useRoleAssignments, useUserAssignedIdentities } from './data.js';
import { type Principal, RoleAssignments } from './RoleAssignments.js';
import { useSubmit } from './submit.js';

/** The identity block that keeps the system identity `system` and exactly the user-assigned `uamis`. */
export function identityBlock(system: boolean, uamis: string[]): AccountIdentityInput {
  if (uamis.length === 0) return { type: system ? 'SystemAssigned' : 'None' };
  return { type: system ? 'SystemAssigned, UserAssigned' : 'UserAssigned', userAssignedIdentities: uamis };
}

export function IdentityTab({ account }: { account: AutomationAccount }) {
  const manage = usePermission('automation.manage');
  const uamis = useUserAssignedIdentities();
  const assignments = useRoleAssignments({});
  const submit = useSubmit();
  const [attach, setAttach] = useState<string | null>(null);
  const identity = account.identity;
  const system = identity.principalId !== null;
  const attached = identity.userAssignedIdentities.map((u) => u.id);
  const nameOf = (id: string) => uamis.data?.find((u) => u.id === id)?.name ?? id;

  const change = (block: AccountIdentityInput) =>
    submit.run(
      null,
      () =>
        api.patch(
          `/api/v1/automation-accounts/${encodeURIComponent(account.id)}`,
          { identity: block },
          { schema: automationAccountSchema },
        ),
      [['automation-accounts'], ['user-assigned-identities'], ['role-assignments']],
    );

  const principals: Principal[] = [
    ...(identity.principalId
      ? [{ principalId: identity.principalId, label: `System-assigned (${account.name})` }]
      : []),
    ...identity.userAssignedIdentities.map((u) => ({
      principalId: u.principalId,
      label: `User-assigned ${nameOf(u.id)}`,
    })),
  ];
  const ours = new Set(principals.map((p) => p.principalId));
  const unattached = (uamis.data ?? []).filter((u) => !attached.includes(u.id));

  return (
    <Stack gap="xl">
      {submit.error ? (
        <Alert color="red" role="alert">
          {submit.error}
        </Alert>
      ) : null}
      <Stack gap="xs">
        <Title order={2} size="h4">
          System-assigned identity
        </Title>
        <Tooltip label={manage.reason} disabled={manage.allowed}>
          <Switch
            label={system ? 'On' : 'Off'}
            aria-label="System-assigned identity"
            checked={system}
            disabled={!manage.allowed || submit.busy}
            onChange={(e) => void change(identityBlock(e.currentTarget.checked, attached))}
          />
        </Tooltip>
        <Text size="sm" c="dimmed">
          {system
            ? `Principal ${identity.principalId} · client ${identity.clientId} · tenant ${identity.tenantId}. Turning it off removes its role assignments.`
            : 'Runbooks sign in as the account itself once it is on; it has no rights until assigned roles.'}
        </Text>
      </Stack>

      <ListSection
        title="User-assigned identities"
        label="User-assigned identities of the account"
        items={identity.userAssignedIdentities}
        empty={
          <Empty title="None attached">
            Attach one made on the{' '}
            <Anchor component={Link} href="/automation/identities">
              Identities
            </Anchor>{' '}
            page; it keeps its roles wherever it is attached.
          </Empty>
        }
        minWidth={640}
        columns={['Name', 'Client id', 'Principal id']}
        rowKey={(u) => u.id}
        cells={(u) => [nameOf(u.id), <Code key="c">{u.clientId}</Code>, <Code key="p">{u.principalId}</Code>]}
        rowActions={
          manage.allowed
            ? (u) => (
                <Button
                  size="compact-sm"
                  variant="subtle"
                  color="red"
                  aria-label={`Detach ${nameOf(u.id)}`}
                  disabled={submit.busy}
                  onClick={() =>
                    void change(
                      identityBlock(
                        system,
                        attached.filter((id) => id !== u.id),
                      ),
                    )
                  }
                >
                  Detach
                </Button>
              )
            : undefined
        }
      >
        {manage.allowed ? (
          <Group align="flex-end">
            <Select
              label="User-assigned identity to attach"
              placeholder={unattached.length ? 'Choose one' : 'None left to attach'}
              data={unattached.map((u) => ({ value: u.id, label: u.name }))}
              value={attach}
              onChange={setAttach}
            />
            <Button
              variant="light"
              disabled={!attach || submit.busy}
              onClick={async () => {
                if (attach && (await change(identityBlock(system, [...attached, attach])))) setAttach(null);
              }}
            >
              Attach
            </Button>
          </Group>
        ) : null}
      </ListSection>

      <Stack gap="xs">
        <Title order={2} size="h4">
          Role assignments of these identities
        </Title>
        <RoleAssignments
          label="Role assignments of the account's identities"
          query={assignments}
          principals={principals}
          defaultScope={`/automationAccounts/${account.id}`}
          filter={(a) => ours.has(a.principalId)}
        />
      </Stack>
    </Stack>
  );
}
