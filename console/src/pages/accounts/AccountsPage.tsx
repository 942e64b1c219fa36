// Run As Configuration › Accounts: every account with its type, distribution, expiry and where it is used.
import { Alert, Anchor, Badge, Button, Table, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { Link } from 'wouter';
import type { Account } from '../../../../src/contract/accounts.js';
import { Page } from '../../components/page.js';
import { Empty, QueryView } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { CreateAccountWizard } from './CreateAccountWizard.js';
import { accountTypeLabels } from './credential-fields.js';
import { useAccounts, useUses } from './data.js';

export const distributionLabel = (a: Account) =>
  a.distribution.security === 'less-secure'
    ? 'Less secure: every computer'
    : `More secure: ${a.distribution.approved.length} approved`;

export default function AccountsPage() {
  const create = usePermission('accounts.manage');
  const accounts = useAccounts(create.allowed);
  const uses = useUses(create.allowed);
  const [opened, { open, close }] = useDisclosure();
  const [filter, setFilter] = useState('');
  const usedBy = (id: string) =>
    [...new Set((uses.data ?? []).filter((u) => u.accountId === id).map((u) => u.profile.displayName))].join(
      ', ',
    );
  return (
    <Page
      title="Run As Accounts"
      description="The credentials workflows and runbooks run as. Secrets are never shown again once saved."
      actions={create.allowed ? <Button onClick={open}>Create Run As Account</Button> : null}
    >
      {create.allowed ? null : <Alert color="gray">{create.reason}</Alert>}
      <TextInput
        label="Find an account"
        placeholder="Name or type"
        value={filter}
        onChange={(e) => setFilter(e.currentTarget.value)}
        maw={360}
      />
      {create.allowed ? (
        <QueryView
          query={accounts}
          isEmpty={(items) => items.length === 0}
          empty={
            <Empty title="No Run As accounts yet">
              Create one with the Create Run As Account wizard, then distribute it and associate it with a
              profile.
            </Empty>
          }
        >
          {(items) => {
            const shown = items.filter((a) =>
              `${a.name} ${accountTypeLabels[a.type]}`.toLowerCase().includes(filter.toLowerCase()),
            );
            return shown.length === 0 ? (
              <Empty title="No account matches" />
            ) : (
              <Table.ScrollContainer minWidth={720}>
                <Table striped highlightOnHover aria-label="Run As accounts">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Name</Table.Th>
                      <Table.Th>Type</Table.Th>
                      <Table.Th>Distribution</Table.Th>
                      <Table.Th>Expires</Table.Th>
                      <Table.Th>Used by profiles</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {shown.map((a) => (
                      <Table.Tr key={a.id}>
                        <Table.Td>
                          <Anchor component={Link} href={`/run-as/accounts/${a.id}`}>
                            {a.name}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>{accountTypeLabels[a.type]}</Table.Td>
                        <Table.Td>
                          <Badge
                            variant="light"
                            color={a.distribution.security === 'less-secure' ? 'orange' : 'blue'}
                          >
                            {distributionLabel(a)}
                          </Badge>
                        </Table.Td>
                        <Table.Td>
                          {a.expiresAt ? new Date(a.expiresAt).toLocaleDateString() : 'Never'}
                        </Table.Td>
                        <Table.Td>{uses.isPending ? '…' : usedBy(a.id) || 'Not used'}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            );
          }}
        </QueryView>
      ) : null}
      {opened ? <CreateAccountWizard onClose={close} /> : null}
    </Page>
  );
}
