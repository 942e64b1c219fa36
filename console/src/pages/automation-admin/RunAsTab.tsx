// The legacy certificate Run As account of an automation account: its status and expiry, the API's advisory
// (what still uses it, the next step), the migration report of a dry run, and the migration itself.
import { Alert, Badge, Button, Checkbox, Group, List, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { RunAsAccount } from '../../../../src/contract/runas.js';
import { type MigrationReport, migrationReportSchema } from '../../../../src/contract/runas-migrate.js';
import { api } from '../../api.js';
import { PropertyTable } from '../../components/property-table.js';
import { Empty, QueryView } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { when } from '../automation/data.js';
import { useRunAsAccount } from './data.js';
import { MigrationReportView } from './MigrationReport.js';
import { useSubmit } from './submit.js';

const DAY_MS = 24 * 3600 * 1000;

export function RunAsTab({ accountId }: { accountId: string }) {
  const runAs = useRunAsAccount(accountId);
  return (
    <QueryView
      query={runAs}
      isEmpty={(r) => r === null}
      empty={
        <Empty title="No Run As account">
          This account signs in with its managed identity only: nothing to migrate.
        </Empty>
      }
    >
      {(r) => (r ? <RunAs accountId={accountId} runAs={r} /> : null)}
    </QueryView>
  );
}

function RunAs({ accountId, runAs: r }: { accountId: string; runAs: RunAsAccount }) {
  // Authors may preview; carrying it out gives the identity roles, which only those who assign roles may do.
  const preview = usePermission('automation.manage');
  const carryOut = usePermission('roles.assign');
  const refused = preview.allowed ? carryOut : preview;
  const [report, setReport] = useState<MigrationReport | null>(null);
  const [leastPrivilege, setLeastPrivilege] = useState(false);
  const [publish, setPublish] = useState(false);
  const submit = useSubmit();
  const hint = !refused.allowed
    ? refused.reason
    : report
      ? null
      : "Migrate is enabled once you have read the dry run's report.";
  const expires = r.certificate?.expiresAt;
  const daysLeft = expires ? Math.floor((Date.parse(expires) - Date.now()) / DAY_MS) : null;

  const migrate = async (dryRun: boolean) => {
    const out = await submit.run(
      null,
      () =>
        api.post(
          `/api/v1/automation-accounts/${encodeURIComponent(accountId)}/run-as-account/migrate`,
          { dryRun, leastPrivilege, publish },
          { schema: migrationReportSchema },
        ),
      dryRun
        ? []
        : [['run-as-account', accountId], ['automation-accounts'], ['role-assignments'], ['runbooks']],
    );
    if (out) setReport(out);
  };

  return (
    <Stack gap="lg">
      <Alert color="blue" title="Run As accounts are retired: move to the managed identity">
        <Stack gap={6}>
          <Text size="sm">{r.advisory.message}</Text>
          <Text size="sm">
            Used by{' '}
            {r.advisory.usedBy.runbooks.length
              ? `the runbooks ${r.advisory.usedBy.runbooks.join(', ')}`
              : 'no runbook'}{' '}
            and {r.advisory.usedBy.recentJobs} recent job{r.advisory.usedBy.recentJobs === 1 ? '' : 's'}.
          </Text>
          <Text size="sm">
            Next step: <code>{r.advisory.nextStep}</code>
          </Text>
        </Stack>
      </Alert>
      <PropertyTable
        label="Run As account"
        rows={[
          [
            'Status',
            <Group gap="xs" key="s">
              <Badge variant="outline" color={r.status === 'Complete' ? 'teal.9' : 'red.9'}>
                {r.status}
              </Badge>
              {r.statusReasons.join('; ')}
            </Group>,
          ],
          ['Display name', r.displayName],
          ['Application id', r.applicationId],
          ['Service principal', r.servicePrincipalId],
          ['Certificate', r.certificate ? `${r.certificate.thumbprint} (${r.certificateSource})` : 'None'],
          [
            'Expires',
            expires
              ? `${when(expires)} · ${daysLeft !== null && daysLeft < 0 ? 'expired' : `${daysLeft} days left`}`
              : '—',
          ],
          ['Assets', `${r.certificateAssetName}, ${r.connectionAssetName}`],
        ]}
      />
      <Stack gap="xs">
        <Title order={2} size="h4">
          Migration to the managed identity
        </Title>
        <Text size="sm" c="dimmed">
          Enables the system-assigned identity, gives it the Run As principal's roles and rewrites the
          runbooks that sign in with Run As as drafts. Preview it first: the dry run changes nothing.
        </Text>
        <Group>
          <Checkbox
            label="Least privilege (only what its audited writes needed)"
            checked={leastPrivilege}
            disabled={!preview.allowed}
            onChange={(e) => setLeastPrivilege(e.currentTarget.checked)}
          />
          <Checkbox
            label="Publish rewritten drafts that need nothing by hand"
            checked={publish}
            disabled={!preview.allowed}
            onChange={(e) => setPublish(e.currentTarget.checked)}
          />
        </Group>
        <Group>
          <Button
            variant="default"
            loading={submit.busy}
            disabled={!preview.allowed}
            onClick={() => void migrate(true)}
          >
            Preview migration (dry run)
          </Button>
          <Button
            disabled={!carryOut.allowed || !report?.dryRun}
            loading={submit.busy}
            onClick={() => void migrate(false)}
          >
            Migrate
          </Button>
        </Group>
        {hint ? (
          <Text size="xs" c="dimmed">
            {hint}
          </Text>
        ) : null}
        {submit.error ? (
          <Alert color="red" role="alert">
            {submit.error}
          </Alert>
        ) : null}
        {report ? <MigrationReportView report={report} /> : null}
      </Stack>
      {r.acceptedCertificates.length > 1 ? (
        <Stack gap={4}>
          <Text size="sm">Certificates still accepted for sign-in:</Text>
          <List size="sm">
            {r.acceptedCertificates.map((c) => (
              <List.Item key={c.thumbprint}>
                {c.thumbprint} until {when(c.expiresAt)}
              </List.Item>
            ))}
          </List>
        </Stack>
      ) : null}
    </Stack>
  );
}
