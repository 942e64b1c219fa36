// An account's properties: General (what may be shown), Distribution (security and approved targets), Used by.
import { Alert, Button, Group, List, Radio, Stack, Table, Tabs, Text, VisuallyHidden } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearch } from 'wouter';
import { type Account, accountSchema } from '../../../../src/contract/accounts.js';
import { api, messageOf } from '../../api.js';
import { Page } from '../../components/page.js';
import { PropertyTable } from '../../components/property-table.js';
import { Empty, Loading, QueryView } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { useScopeLabels } from '../inventory/scope-labels.js';
import { ComputerSearch } from './ComputerSearch.js';
import { accountTypeLabels } from './credential-fields.js';
import { useAccount, useTargets, useUses } from './data.js';

export default function AccountProperties({ id }: { id: string }) {
  const account = useAccount(id);
  const tab = new URLSearchParams(useSearch()).get('tab') ?? 'general';
  return (
    <QueryView query={account} empty={null}>
      {(a) => (
        <Page title={a.name} description={`${accountTypeLabels[a.type]} · version ${a.version}`}>
          <Tabs defaultValue={tab} keepMounted={false}>
            <Tabs.List>
              <Tabs.Tab value="general">General</Tabs.Tab>
              <Tabs.Tab value="distribution">Distribution</Tabs.Tab>
              <Tabs.Tab value="used-by">Used by</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="general" pt="md">
              <General account={a} />
            </Tabs.Panel>
            <Tabs.Panel value="distribution" pt="md">
              <Distribution account={a} />
            </Tabs.Panel>
            <Tabs.Panel value="used-by" pt="md">
              <UsedBy account={a} />
            </Tabs.Panel>
          </Tabs>
        </Page>
      )}
    </QueryView>
  );
}

function General({ account: a }: { account: Account }) {
  const rows: [string, string][] = [
    ['Type', accountTypeLabels[a.type]],
    ['Description', a.description || '—'],
    ...Object.entries(a.publicFields).map(([k, v]) => [k, String(v)] as [string, string]),
    ['Expires', a.expiresAt ? new Date(a.expiresAt).toLocaleString() : 'Never'],
    ['Created', new Date(a.createdAt).toLocaleString()],
    ['Changed', new Date(a.updatedAt).toLocaleString()],
  ];
  return (
    <Stack>
      <PropertyTable label="Account properties" rows={rows} />
      <Text size="sm" c="dimmed">
        The secret parts of the credentials are sealed and never shown.
      </Text>
    </Stack>
  );
}

function Distribution({ account: a }: { account: Account }) {
  const qc = useQueryClient();
  const manage = usePermission('accounts.manage');
  const targets = useTargets();
  const [security, setSecurity] = useState(a.distribution.security);
  const [approved, setApproved] = useState<string[]>(a.distribution.approved);
  const [searching, setSearching] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const nameOf = (id: string) => targets.data?.find((t) => t.id === id);
  // The server keeps the approved targets as a set: their order is not a change.
  const sameTargets =
    approved.length === a.distribution.approved.length &&
    approved.every((id) => a.distribution.approved.includes(id));
  const dirty = security !== a.distribution.security || !sameTargets;
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const updated = await api.put(
        `/api/v1/accounts/${a.id}/distribution`,
        { security, approved },
        { schema: accountSchema },
      );
      qc.setQueryData(['accounts', a.id], updated);
      await qc.invalidateQueries({ queryKey: ['accounts'] });
      setSaved(true);
    } catch (err) {
      setError(messageOf(err));
    }
    setBusy(false);
  };
  return (
    <Stack maw={760}>
      {!manage.allowed ? <Text c="dimmed">{manage.reason}</Text> : null}
      <Radio.Group
        label="Distribution security"
        value={security}
        onChange={(v) => {
          setSecurity(v as typeof security);
          setSaved(false);
        }}
      >
        <Stack gap="xs" mt="xs">
          <Radio
            value="more-secure"
            label="More secure: only the approved targets below"
            disabled={!manage.allowed}
          />
          <Radio
            value="less-secure"
            label="Less secure: every agent and management server"
            disabled={!manage.allowed}
          />
        </Stack>
      </Radio.Group>
      {security === 'more-secure' ? (
        <Stack gap="xs">
          <Group justify="space-between">
            <Text fw={600}>Approved computers, servers and pools</Text>
            {manage.allowed ? (
              <Button variant="light" onClick={() => setSearching(true)}>
                Add…
              </Button>
            ) : null}
          </Group>
          {targets.isPending ? (
            <Loading />
          ) : approved.length === 0 ? (
            <Empty title="Distributed to nothing yet">
              Add the computers, management servers or pools where the workflows using this account run.
            </Empty>
          ) : (
            <Table aria-label="Approved targets">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Kind</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {approved.map((id) => (
                  <Table.Tr key={id}>
                    <Table.Td>{nameOf(id)?.name ?? id}</Table.Td>
                    <Table.Td>{nameOf(id)?.kind ?? ''}</Table.Td>
                    <Table.Td ta="right">
                      {manage.allowed ? (
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          aria-label={`Remove ${nameOf(id)?.name ?? id}`}
                          onClick={() => {
                            setApproved(approved.filter((x) => x !== id));
                            setSaved(false);
                          }}
                        >
                          Remove
                        </Button>
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Stack>
      ) : null}
      {error ? (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      ) : null}
      {saved && !dirty ? (
        <Alert color="green" role="status">
          Distribution saved.
        </Alert>
      ) : null}
      {manage.allowed ? (
        <Group>
          <Button onClick={save} loading={busy} disabled={!dirty}>
            Save distribution
          </Button>
        </Group>
      ) : null}
      {searching ? (
        <ComputerSearch
          accountId={a.id}
          approved={approved}
          onClose={() => setSearching(false)}
          onAdd={(ids) => {
            setApproved([...approved, ...ids]);
            setSaved(false);
            setSearching(false);
          }}
        />
      ) : null}
    </Stack>
  );
}

function UsedBy({ account: a }: { account: Account }) {
  const uses = useUses();
  const mine = (uses.data ?? []).filter((u) => u.accountId === a.id);
  const scopes = useScopeLabels(mine.map((u) => u.scope));
  return (
    <QueryView
      query={uses}
      isEmpty={() => !mine.length}
      empty={<Empty title="Not used">No Run As profile associates this account yet.</Empty>}
    >
      {() => (
        <List>
          {mine.map((u) => (
            <List.Item key={u.id}>
              {u.profile.displayName} — {scopes.label(u.scope)}
            </List.Item>
          ))}
        </List>
      )}
    </QueryView>
  );
}
