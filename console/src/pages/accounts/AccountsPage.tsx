// Run As Configuration › Accounts: every account with its type, distribution, expiry and where it is used.
import { Alert, Anchor, Badge, Button, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { Link } from 'wouter';
import type { Account } from '../../../../src/contract/accounts.js';
import { ListTable } from '../../components/list-section.js';
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
          {(items) => (
            <ListTable
              items={items.filter((a) =>
                `${a.name} ${accountTypeLabels[a.type]}`.toLowerCase().includes(filter.toLowerCase()),
              )}
              empty={<Empty title="No account matches" />}
              label="Run As accounts"
              highlightOnHover
              columns={['Name', 'Type', 'Distribution', 'Expires', 'Used by profiles']}
              rowKey={(a) => a.id}
              cells={(a) => [
                <Anchor key="n" component={Link} href={`/run-as/accounts/${a.id}`}>
                  {a.name}
                </Anchor>,
                accountTypeLabels[a.type],
                <Badge
                  key="d"
                  variant="light"
                  color={a.distribution.security === 'less-secure' ? 'orange' : 'blue'}
                >
                  {distributionLabel(a)}
                </Badge>,
                a.expiresAt ? new Date(a.expiresAt).toLocaleDateString() : 'Never',
                uses.isPending ? '…' : usedBy(a.id) || 'Not used',
              ]}
            />
          )}
        </QueryView>
      ) : null}
      {opened ? <CreateAccountWizard onClose={close} /> : null}
    </Page>
  );
}
