// An automation account's schedules: their recurrence, next run and linked runbooks; create, edit, enable or
// disable, link and unlink runbooks, delete.
import { ActionIcon, Badge, Button, Group, Stack, Switch, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { type Schedule, scheduleSchema } from '../../../../src/contract/automation-schedules.js';
import { api } from '../../api.js';
import { ListTable, RowActions } from '../../components/list-section.js';
import { Empty } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { useRunbooks, useSchedules, when } from '../automation/data.js';
import { ConfirmDelete } from './ConfirmDelete.js';
import { LinkRunbook } from './LinkRunbook.js';
import { ScheduleDialog } from './ScheduleDialog.js';
import { useSubmit } from './submit.js';

const enc = encodeURIComponent;

export const recurrence = (s: Schedule) => {
  if (s.frequency === 'cron') return `Cron ${s.cron ?? ''}`;
  if (s.frequency === 'onetime') return 'Once';
  const every = `Every ${s.interval === 1 ? '' : `${s.interval} `}${s.frequency}${s.interval === 1 ? '' : 's'}`;
  const on = [
    ...s.weekDays,
    ...s.monthDays.map((d) => (d === -1 ? 'the last day' : `day ${d}`)),
    ...s.monthlyOccurrences.map((o) => `${o.occurrence === -1 ? 'last' : `#${o.occurrence}`} ${o.day}`),
  ];
  return on.length ? `${every} on ${on.join(', ')}` : every;
};

type Dialog =
  | { kind: 'create' }
  | { kind: 'edit'; schedule: Schedule }
  | { kind: 'link'; schedule: Schedule }
  | { kind: 'delete'; schedule: Schedule }
  | { kind: 'unlink'; schedule: Schedule; runbookId: string; runbookName: string };

export function SchedulesTab({ accountId }: { accountId: string }) {
  const manage = usePermission('automation.manage');
  const schedules = useSchedules(accountId);
  const runbooks = useRunbooks(accountId);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const toggle = useSubmit();
  const close = () => setDialog(null);
  const key = [['schedules', 'of', accountId]] as const;

  const setEnabled = (s: Schedule, enabled: boolean) =>
    toggle.run(
      null,
      () => api.patch(`/api/v1/schedules/${enc(s.id)}`, { enabled }, { schema: scheduleSchema }),
      key,
    );

  return (
    <Stack gap="sm">
      {manage.allowed ? (
        <Group>
          <Button onClick={() => setDialog({ kind: 'create' })}>Create schedule</Button>
        </Group>
      ) : null}
      {toggle.error ? <Badge color="red">{toggle.error}</Badge> : null}
      <ListTable
        query={schedules}
        empty={
          <Empty title="No schedules">
            A schedule starts its linked runbooks once or on a recurrence, on the wall clock of its time zone.
          </Empty>
        }
        label="Schedules"
        minWidth={900}
        columns={['Name', 'Recurrence', 'Time zone', 'Next run', 'Last run', 'Linked runbooks', 'Enabled']}
        rowKey={(s) => s.id}
        cells={(s) => [
          s.name,
          recurrence(s),
          s.timeZone,
          when(s.nextRunAt),
          when(s.lastRunAt),
          s.links.length === 0 ? (
            'None linked'
          ) : (
            <Group key="l" gap={4}>
              {s.links.map((l) => (
                <Badge
                  key={l.runbookId}
                  variant="light"
                  tt="none"
                  rightSection={
                    manage.allowed ? (
                      <ActionIcon
                        size="xs"
                        variant="transparent"
                        aria-label={`Unlink ${l.runbookName} from ${s.name}`}
                        onClick={() =>
                          setDialog({
                            kind: 'unlink',
                            schedule: s,
                            runbookId: l.runbookId,
                            runbookName: l.runbookName,
                          })
                        }
                      >
                        ×
                      </ActionIcon>
                    ) : null
                  }
                >
                  {l.runbookName}
                  {l.runOn === 'cloud' ? '' : ` · ${l.runOn}`}
                </Badge>
              ))}
            </Group>
          ),
          <Tooltip key="e" label={manage.reason} disabled={manage.allowed}>
            <Switch
              aria-label={`${s.name} enabled`}
              checked={s.enabled}
              disabled={!manage.allowed || toggle.busy}
              onChange={(ev) => void setEnabled(s, ev.currentTarget.checked)}
            />
          </Tooltip>,
        ]}
        rowActions={
          manage.allowed
            ? (s) => (
                <RowActions name={s.name} onDelete={() => setDialog({ kind: 'delete', schedule: s })}>
                  <Button
                    size="compact-sm"
                    variant="light"
                    aria-label={`Link runbook to ${s.name}`}
                    disabled={!runbooks.data}
                    onClick={() => setDialog({ kind: 'link', schedule: s })}
                  >
                    Link runbook
                  </Button>
                  <Button
                    size="compact-sm"
                    variant="default"
                    aria-label={`Edit ${s.name}`}
                    onClick={() => setDialog({ kind: 'edit', schedule: s })}
                  >
                    Edit
                  </Button>
                </RowActions>
              )
            : undefined
        }
      />
      {dialog?.kind === 'create' ? <ScheduleDialog accountId={accountId} onClose={close} /> : null}
      {dialog?.kind === 'edit' ? (
        <ScheduleDialog accountId={accountId} schedule={dialog.schedule} onClose={close} />
      ) : null}
      {dialog?.kind === 'link' && runbooks.data ? (
        <LinkRunbook schedule={dialog.schedule} runbooks={runbooks.data} onClose={close} />
      ) : null}
      {dialog?.kind === 'delete' ? (
        <ConfirmDelete
          title={`Delete ${dialog.schedule.name}`}
          onConfirm={() => api.delete(`/api/v1/schedules/${enc(dialog.schedule.id)}`)}
          invalidate={key}
          onClose={close}
        >
          The schedule and its links go; jobs it started stay.
        </ConfirmDelete>
      ) : null}
      {dialog?.kind === 'unlink' ? (
        <ConfirmDelete
          title={`Unlink ${dialog.runbookName}`}
          submitLabel="Unlink"
          onConfirm={() =>
            api.delete(`/api/v1/schedules/${enc(dialog.schedule.id)}/links/${enc(dialog.runbookId)}`)
          }
          invalidate={key}
          onClose={close}
        >
          {`${dialog.schedule.name} no longer starts ${dialog.runbookName}.`}
        </ConfirmDelete>
      ) : null}
    </Stack>
  );
}
