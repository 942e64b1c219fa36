// One automation account: its runbooks, jobs, schedules and webhooks, each on a tab.
import { Anchor, Badge, Button, Tabs } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, useSearch } from 'wouter';
import type { Runbook } from '../../../../src/contract/automation.js';
import { ListTable } from '../../components/list-section.js';
import { Page } from '../../components/page.js';
import { Empty, QueryView } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { AssetsTab } from '../automation-admin/AssetsTab.js';
import { IdentityTab } from '../automation-admin/IdentityTab.js';
import { RunAsTab } from '../automation-admin/RunAsTab.js';
import { SchedulesTab } from '../automation-admin/SchedulesTab.js';
import { identityLabel } from './AutomationAccountsPage.js';
import { CreateRunbook } from './CreateRunbook.js';
import { CreateWebhook } from './CreateWebhook.js';
import { useAutomationAccount, useJobs, useRunbooks, useWebhooks, when } from './data.js';
import { JobsTable } from './JobsTable.js';

export const runbookState = (r: Runbook) =>
  r.published === null
    ? { label: 'New (never published)', color: 'gray' }
    : r.draft.differsFromPublished
      ? { label: `Published v${r.published.version}, draft edited`, color: 'yellow' }
      : { label: `Published v${r.published.version}`, color: 'green' };

export default function AutomationAccountPage({ id }: { id: string }) {
  const account = useAutomationAccount(id);
  const tab = new URLSearchParams(useSearch()).get('tab') ?? 'runbooks';
  return (
    <QueryView query={account} empty={null}>
      {(a) => (
        <Page
          title={a.name}
          description={`Automation account · managed identity: ${identityLabel(a.identity.type)}${a.description ? ` · ${a.description}` : ''}`}
        >
          <Tabs defaultValue={tab} keepMounted={false}>
            <Tabs.List>
              <Tabs.Tab value="runbooks">Runbooks</Tabs.Tab>
              <Tabs.Tab value="jobs">Jobs</Tabs.Tab>
              <Tabs.Tab value="schedules">Schedules</Tabs.Tab>
              <Tabs.Tab value="webhooks">Webhooks</Tabs.Tab>
              <Tabs.Tab value="assets">Assets</Tabs.Tab>
              <Tabs.Tab value="identity">Identity</Tabs.Tab>
              <Tabs.Tab value="run-as">Run As account</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="runbooks" pt="md">
              <Runbooks accountId={a.id} />
            </Tabs.Panel>
            <Tabs.Panel value="jobs" pt="md">
              <Jobs accountId={a.id} />
            </Tabs.Panel>
            <Tabs.Panel value="schedules" pt="md">
              <SchedulesTab accountId={a.id} />
            </Tabs.Panel>
            <Tabs.Panel value="webhooks" pt="md">
              <Webhooks accountId={a.id} />
            </Tabs.Panel>
            <Tabs.Panel value="assets" pt="md">
              <AssetsTab accountId={a.id} />
            </Tabs.Panel>
            <Tabs.Panel value="identity" pt="md">
              <IdentityTab account={a} />
            </Tabs.Panel>
            <Tabs.Panel value="run-as" pt="md">
              <RunAsTab accountId={a.id} />
            </Tabs.Panel>
          </Tabs>
        </Page>
      )}
    </QueryView>
  );
}

function Runbooks({ accountId }: { accountId: string }) {
  const manage = usePermission('automation.manage');
  const runbooks = useRunbooks(accountId);
  const [opened, { open, close }] = useDisclosure();
  return (
    <>
      {manage.allowed ? (
        <Button onClick={open} mb="sm">
          Create runbook
        </Button>
      ) : null}
      <ListTable
        query={runbooks}
        empty={
          <Empty title="No runbooks yet">
            {manage.allowed
              ? 'Create one, write it in the editor, test it and publish it.'
              : 'An administrator or author writes them.'}
          </Empty>
        }
        label="Runbooks"
        minWidth={640}
        highlightOnHover
        columns={['Name', 'Type', 'State', 'Changed']}
        rowKey={(r) => r.id}
        cells={(r) => {
          const s = runbookState(r);
          return [
            <Anchor key="n" component={Link} href={`/automation/runbooks/${r.id}`}>
              {r.name}
            </Anchor>,
            r.type,
            <Badge key="s" variant="dot" color={s.color}>
              {s.label}
            </Badge>,
            when(r.updatedAt),
          ];
        }}
      />
      {opened ? <CreateRunbook accountId={accountId} onClose={close} /> : null}
    </>
  );
}

function Jobs({ accountId }: { accountId: string }) {
  const jobs = useJobs({ account: accountId });
  return (
    <QueryView
      query={jobs}
      isEmpty={(items) => items.length === 0}
      empty={<Empty title="No jobs yet">Jobs of this account's runbooks appear here.</Empty>}
    >
      {(items) => <JobsTable jobs={items} />}
    </QueryView>
  );
}

function Webhooks({ accountId }: { accountId: string }) {
  const manage = usePermission('automation.manage');
  const webhooks = useWebhooks(accountId);
  const runbooks = useRunbooks(accountId);
  const [opened, { open, close }] = useDisclosure();
  return (
    <>
      {manage.allowed ? (
        <Button onClick={open} mb="sm" disabled={!runbooks.data}>
          Create webhook
        </Button>
      ) : null}
      {opened && runbooks.data ? (
        <CreateWebhook accountId={accountId} runbooks={runbooks.data} onClose={close} />
      ) : null}
      <WebhookList query={webhooks} />
    </>
  );
}

function WebhookList({ query: webhooks }: { query: ReturnType<typeof useWebhooks> }) {
  return (
    <ListTable
      query={webhooks}
      empty={
        <Empty title="No webhooks">
          A webhook is a secret URL that starts a published runbook; its URL is shown once, when it is made.
        </Empty>
      }
      label="Webhooks"
      columns={['Name', 'Runbook', 'Runs on', 'Expires', 'Last called', 'State']}
      rowKey={(w) => w.id}
      cells={(w) => [
        w.name,
        w.runbookName,
        w.runOn,
        when(w.expiresAt),
        when(w.lastInvokedAt),
        w.expired ? 'Expired' : w.enabled ? 'Enabled' : 'Disabled',
      ]}
    />
  );
}
