// The Run As Profile wizard: General Properties → Run As Accounts (add an account with a scope) → Save.
import { Alert, Button, Group, Stack, Stepper, Table, Text, VisuallyHidden } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import type { z } from 'zod';
import { associationSchema, type scopeSchema } from '../../../../src/contract/accounts.js';
import { listOf } from '../../../../src/contract/client.js';
import { api, messageOf } from '../../api.js';
import { Page } from '../../components/page.js';
import { PropertyTable } from '../../components/property-table.js';
import { Empty, Failure, Loading } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { useAccounts, useProfiles } from '../accounts/data.js';
import { useScopeLabels } from '../inventory/scope-labels.js';
import { usePacks } from './ProfilesPage.js';
import { AddAssociation } from './ScopePicker.js';

type Scope = z.infer<typeof scopeSchema>;
interface Row {
  key: string;
  id?: string;
  accountId: string;
  scope: Scope;
  enforced: boolean;
}

export default function ProfileWizard({ id }: { id: string }) {
  const manage = usePermission('accounts.manage');
  const profiles = useProfiles();
  const packs = usePacks();
  const accounts = useAccounts(manage.allowed);
  const existing = useQuery({
    queryKey: ['associations', id],
    enabled: manage.allowed,
    queryFn: async () =>
      (
        await api.get(`/api/v1/profiles/${encodeURIComponent(id)}/associations`, {
          schema: listOf(associationSchema),
        })
      ).items,
  });
  if (profiles.isPending) return <Loading />;
  if (profiles.error) return <Failure error={profiles.error} retry={() => void profiles.refetch()} />;
  const profile = profiles.data.find((p) => p.id === id);
  if (!profile) return <Failure error={new Error(`There is no Run As profile ${id}.`)} />;
  return (
    <Page title={`Run As Profile Wizard: ${profile.displayName}`} description={profile.description}>
      {!manage.allowed ? (
        <Alert color="gray">{manage.reason}</Alert>
      ) : existing.isPending || accounts.isPending ? (
        <Loading />
      ) : existing.error || accounts.error ? (
        <Failure error={existing.error ?? accounts.error} retry={() => void existing.refetch()} />
      ) : (
        <Steps
          profileId={id}
          general={[
            ['Display name', profile.displayName],
            [
              'Management pack',
              packs.data?.find((p) => p.id === profile.packId)?.displayName ?? profile.packId,
            ],
            ['Targets', profile.contextClassId],
            ['Workflows using it', String(profile.workflowCount)],
          ]}
          initial={existing.data.map((a) => ({ key: a.id, ...a }))}
          accountName={(aid) => accounts.data?.find((a) => a.id === aid)?.name ?? aid}
        />
      )}
    </Page>
  );
}

function Steps({
  profileId,
  general,
  initial,
  accountName,
}: {
  profileId: string;
  general: [string, string][];
  initial: Row[];
  accountName: (id: string) => string;
}) {
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  // A profile just created opens at its Run As Accounts step: there is nothing else to do in it.
  const opensAt = new URLSearchParams(useSearch()).get('step') === 'accounts' ? 1 : 0;
  const [step, setStep] = useState(opensAt);
  const [rows, setRows] = useState<Row[]>(initial);
  const scopes = useScopeLabels(rows.map((r) => r.scope));
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const removed = initial.filter((i) => !rows.some((r) => r.key === i.key));
  const added = rows.filter((r) => !r.id);
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      for (const r of removed) await api.delete(`/api/v1/associations/${r.id}`);
      for (const r of added) {
        const saved = await api.post(
          `/api/v1/profiles/${encodeURIComponent(profileId)}/associations`,
          { accountId: r.accountId, scope: r.scope, enforced: r.enforced },
          { schema: associationSchema },
        );
        setRows((old) => old.map((o) => (o.key === r.key ? { ...o, id: saved.id, key: saved.id } : o)));
      }
      await qc.invalidateQueries({ queryKey: ['associations'] });
      setStep(2);
    } catch (err) {
      setError(messageOf(err));
    }
    setBusy(false);
  };
  return (
    <Stack>
      <Stepper active={step} onStepClick={(s) => s < 2 && setStep(s)} size="sm">
        <Stepper.Step label="General Properties">
          <PropertyTable label="Profile properties" rows={general} my="md" />
        </Stepper.Step>
        <Stepper.Step label="Run As Accounts">
          <Stack my="md">
            <Group justify="space-between">
              <Text>Run As accounts and the objects each one is used for:</Text>
              <Button variant="light" onClick={() => setAdding(true)}>
                Add…
              </Button>
            </Group>
            {rows.length === 0 ? (
              <Empty title="No account is associated">
                Workflows using this profile run as each computer's default action account until you add one.
              </Empty>
            ) : (
              <Table aria-label="Associated Run As accounts">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Account</Table.Th>
                    <Table.Th>Used for</Table.Th>
                    <Table.Th>Enforced</Table.Th>
                    <Table.Th>
                      <VisuallyHidden>Actions</VisuallyHidden>
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((r) => (
                    <Table.Tr key={r.key}>
                      <Table.Td>
                        {accountName(r.accountId)}
                        {r.id ? '' : ' (new)'}
                      </Table.Td>
                      <Table.Td>{scopes.label(r.scope)}</Table.Td>
                      <Table.Td>{r.enforced ? 'Yes' : 'No'}</Table.Td>
                      <Table.Td ta="right">
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          aria-label={`Remove ${accountName(r.accountId)}`}
                          onClick={() => setRows(rows.filter((x) => x.key !== r.key))}
                        >
                          Remove
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Stack>
        </Stepper.Step>
        <Stepper.Completed>
          <Alert color="green" role="status" my="md">
            The Run As profile is saved.
          </Alert>
        </Stepper.Completed>
      </Stepper>
      {error ? (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      ) : null}
      <Group justify="flex-end">
        {step === 2 ? (
          <Button onClick={() => navigate('/run-as/profiles')}>Close</Button>
        ) : (
          <>
            <Button variant="default" disabled={step === 0} onClick={() => setStep(step - 1)}>
              Previous
            </Button>
            {step === 0 ? (
              <Button onClick={() => setStep(1)}>Next</Button>
            ) : (
              <Button onClick={save} loading={busy} disabled={added.length + removed.length === 0}>
                Save
              </Button>
            )}
          </>
        )}
      </Group>
      {adding ? (
        <AddAssociation
          onClose={() => setAdding(false)}
          onAdd={(a) => {
            setRows([...rows, { key: `new-${rows.length}-${a.accountId}`, ...a }]);
            setAdding(false);
          }}
        />
      ) : null}
    </Stack>
  );
}
