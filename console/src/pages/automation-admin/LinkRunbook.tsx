// Link a published runbook to a schedule with the values of its parameters (not secret ones) and where it runs.
import { Modal, Select, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { Runbook } from '../../../../src/contract/automation.js';
import { type Schedule, scheduleSchema } from '../../../../src/contract/automation-schedules.js';
import { api } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { collectValues, ParameterFields, type RawValues } from '../automation/ParameterFields.js';
import { RunOnSelect } from './RunOnSelect.js';
import { useSubmit } from './submit.js';

export function LinkRunbook({
  schedule,
  runbooks,
  onClose,
}: {
  schedule: Schedule;
  runbooks: Runbook[];
  onClose: () => void;
}) {
  const linked = new Set(schedule.links.map((l) => l.runbookId));
  const choices = runbooks.filter((r) => r.published && !linked.has(r.id));
  const [runbookId, setRunbookId] = useState<string | null>(choices[0]?.id ?? null);
  const [values, setValues] = useState<RawValues>({});
  const [runOn, setRunOn] = useState('cloud');
  const [issues, setIssues] = useState<Record<string, string>>({});
  const submit = useSubmit();
  const runbook = choices.find((r) => r.id === runbookId);
  const declarations = (runbook?.published?.parameters ?? []).filter((p) => !p.secret);

  const link = async () => {
    if (!runbookId) return;
    const collected = collectValues(declarations, values);
    setIssues(collected.issues);
    if (Object.keys(collected.issues).length) return;
    const enc = encodeURIComponent;
    const done = await submit.run(
      null,
      () =>
        api.put(
          `/api/v1/schedules/${enc(schedule.id)}/links/${enc(runbookId)}`,
          { parameters: collected.values, runOn },
          { schema: scheduleSchema },
        ),
      [['schedules', 'of', schedule.automationAccountId]],
    );
    if (done) onClose();
  };
  const apiIssues = Object.fromEntries(
    Object.entries(submit.errors)
      .filter(([k]) => k.startsWith('parameters.'))
      .map(([k, m]) => [k.slice('parameters.'.length), m]),
  );

  return (
    <Modal opened onClose={onClose} title={`Link a runbook to ${schedule.name}`} size="lg">
      <Stack>
        {choices.length === 0 ? (
          <Text c="dimmed">
            Every published runbook of this account is linked already, or none is published.
          </Text>
        ) : null}
        <Select
          label="Runbook"
          data={choices.map((r) => ({ value: r.id, label: r.name }))}
          value={runbookId}
          allowDeselect={false}
          onChange={(v) => {
            setRunbookId(v);
            setValues({});
          }}
        />
        <RunOnSelect value={runOn} onChange={setRunOn} error={submit.errors.runOn} />
        <Text fw={600} size="sm">
          Parameter values for every run
        </Text>
        <ParameterFields
          declarations={declarations}
          values={values}
          errors={{ ...apiIssues, ...issues }}
          onChange={setValues}
        />
        <DialogActions
          error={submit.error}
          busy={submit.busy}
          submitLabel="Link"
          onSubmit={link}
          onCancel={onClose}
          disabled={!runbookId}
        />
      </Stack>
    </Modal>
  );
}
