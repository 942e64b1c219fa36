// One alert: its properties, and (for roles that work alerts) its resolution state, owner and ticket.
import {
  Anchor,
  Badge,
  Button,
  Group,
  Alert as Notice,
  NumberInput,
  Select,
  Stack,
  TextInput,
  Title,
} from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import {
  type Alert,
  alertSchema,
  RESOLUTION_CLOSED,
  RESOLUTION_NEW,
  updateAlertBody,
} from '../../../../src/contract/alerts.js';
import { api, fieldErrors, messageOf } from '../../api.js';
import { Page } from '../../components/page.js';
import { PropertyTable } from '../../components/property-table.js';
import { QueryView } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { when } from '../automation/data.js';
import { issuesOf } from '../automation/forms.js';
import { severityColor, severityLabel, sourceKindLabel, useAlert } from './data.js';

export default function AlertPage({ id }: { id: string }) {
  const alert = useAlert(id);
  const write = usePermission('alerts.write');
  return (
    <QueryView query={alert} empty={null}>
      {(a) => (
        <Page
          title={a.name}
          description={
            <Anchor component={Link} href="/alerts">
              Back to the alerts
            </Anchor>
          }
        >
          <PropertyTable
            label="Alert properties"
            rows={[
              [
                'Severity',
                <Badge key="s" variant="dot" color={severityColor[a.severity]}>
                  {severityLabel[a.severity]}
                </Badge>,
              ],
              ['Priority', a.priority],
              ['Resolution state', a.resolutionStateName],
              ['Description', a.description || '—'],
              ['Source', a.sourceObjectId ?? '—'],
              ['Raised by', sourceKindLabel[a.sourceKind]],
              ['Workflow', a.workflowId ?? '—'],
              ['Category', a.category ?? '—'],
              ['Owner', a.owner ?? '—'],
              ['Ticket', a.ticketId ?? '—'],
              ['Repeat count', String(a.repeatCount)],
              ['Raised', when(a.timeRaised)],
              ['Resolved', a.timeResolved ? `${when(a.timeResolved)} by ${a.resolvedBy ?? '—'}` : '—'],
              ['Last modified', `${when(a.lastModified)} by ${a.lastModifiedBy}`],
              ...Object.entries(a.custom).map(([k, v]) => [`Custom ${k}`, v] as const),
            ]}
          />
          {write.allowed ? <ChangeAlert alert={a} /> : <Notice color="gray">{write.reason}</Notice>}
        </Page>
      )}
    </QueryView>
  );
}

const stateChoices = [
  { value: String(RESOLUTION_NEW), label: 'New (0)' },
  { value: 'custom', label: 'A custom state (1–254)' },
  { value: String(RESOLUTION_CLOSED), label: 'Closed (255)' },
];

function ChangeAlert({ alert }: { alert: Alert }) {
  const qc = useQueryClient();
  const isCustom = alert.resolutionState !== RESOLUTION_NEW && alert.resolutionState !== RESOLUTION_CLOSED;
  const [choice, setChoice] = useState(isCustom ? 'custom' : String(alert.resolutionState));
  const [custom, setCustom] = useState<number | string>(isCustom ? alert.resolutionState : 1);
  const [owner, setOwner] = useState(alert.owner ?? '');
  const [ticket, setTicket] = useState(alert.ticketId ?? '');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async () => {
    const state = choice === 'custom' ? Number(custom) : Number(choice);
    const body: Record<string, unknown> = {};
    if (state !== alert.resolutionState) body.resolutionState = state;
    if (owner.trim() !== (alert.owner ?? '')) body.owner = owner.trim() || null;
    if (ticket.trim() !== (alert.ticketId ?? '')) body.ticketId = ticket.trim() || null;
    const checked = updateAlertBody.safeParse(body);
    if (!checked.success) {
      setErrors(issuesOf(checked.error));
      setMessage({ ok: false, text: checked.error.issues[0]?.message ?? 'Nothing to change' });
      return;
    }
    setBusy(true);
    setErrors({});
    setMessage(null);
    try {
      const saved = await api.patch(`/api/v1/alerts/${encodeURIComponent(alert.id)}`, body, {
        schema: alertSchema,
      });
      qc.setQueryData(['alerts', alert.id], saved);
      await qc.invalidateQueries({ queryKey: ['alerts'] });
      setMessage({ ok: true, text: `Saved: ${saved.resolutionStateName}.` });
    } catch (err) {
      setErrors(fieldErrors(err));
      setMessage({ ok: false, text: messageOf(err) });
    }
    setBusy(false);
  };
  return (
    <Stack maw={640} gap="sm">
      <Title order={2} size="h4">
        Work the alert
      </Title>
      <Group align="flex-start" grow>
        <Select
          label="Resolution state"
          data={stateChoices}
          value={choice}
          allowDeselect={false}
          onChange={(v) => setChoice(v ?? String(RESOLUTION_NEW))}
          error={choice === 'custom' ? undefined : errors.resolutionState}
        />
        {choice === 'custom' ? (
          <NumberInput
            label="Custom state"
            min={1}
            max={254}
            value={custom}
            onChange={setCustom}
            error={errors.resolutionState}
          />
        ) : null}
      </Group>
      <Group align="flex-start" grow>
        <TextInput
          label="Owner"
          value={owner}
          error={errors.owner}
          onChange={(e) => setOwner(e.currentTarget.value)}
        />
        <TextInput
          label="Ticket"
          value={ticket}
          error={errors.ticketId}
          onChange={(e) => setTicket(e.currentTarget.value)}
        />
      </Group>
      {message ? (
        <Notice color={message.ok ? 'green' : 'red'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </Notice>
      ) : null}
      <Group>
        <Button onClick={save} loading={busy}>
          Save changes
        </Button>
      </Group>
    </Stack>
  );
}
