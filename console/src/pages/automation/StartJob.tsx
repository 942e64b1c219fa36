// Start a job of a runbook's published version with its declared parameters; its page then follows it.
import { Modal, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useLocation } from 'wouter';
import type { Runbook } from '../../../../src/contract/automation.js';
import { jobSchema } from '../../../../src/contract/automation-jobs.js';
import { api, fieldErrors, messageOf } from '../../api.js';
import { DialogActions } from '../../components/dialog-actions.js';
import { RunOnSelect } from '../automation-admin/RunOnSelect.js';
import { collectValues, initialValues, ParameterFields, type RawValues } from './ParameterFields.js';

/** The API's issues for `parameters.<name>` keyed by the name. */
export const parameterErrors = (err: unknown) =>
  Object.fromEntries(
    Object.entries(fieldErrors(err))
      .filter(([k]) => k.startsWith('parameters.'))
      .map(([k, m]) => [k.slice('parameters.'.length), m]),
  );

export function StartJob({ runbook, onClose }: { runbook: Runbook; onClose: () => void }) {
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const declarations = runbook.published?.parameters ?? [];
  const [values, setValues] = useState<RawValues>(() => initialValues(declarations));
  const [runOn, setRunOn] = useState('cloud');
  const [runOnError, setRunOnError] = useState<string | undefined>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const start = async () => {
    const collected = collectValues(declarations, values);
    setErrors(collected.issues);
    if (Object.keys(collected.issues).length) return;
    setBusy(true);
    setError(null);
    try {
      const job = await api.post(
        `/api/v1/runbooks/${encodeURIComponent(runbook.id)}/jobs`,
        { parameters: collected.values, runOn },
        { schema: jobSchema },
      );
      // The secret values leave the page's memory with the form.
      setValues({});
      await qc.invalidateQueries({ queryKey: ['jobs'] });
      onClose();
      navigate(`/automation/jobs/${job.id}`);
    } catch (err) {
      setErrors(parameterErrors(err));
      setRunOnError(fieldErrors(err).runOn);
      setError(messageOf(err));
      setBusy(false);
    }
  };

  return (
    <Modal opened onClose={onClose} title={`Start ${runbook.name}`} size="lg">
      <Stack>
        <Text size="sm" c="dimmed">
          Runs published version {runbook.published?.version}.
        </Text>
        <RunOnSelect value={runOn} onChange={setRunOn} error={runOnError} />
        <ParameterFields declarations={declarations} values={values} errors={errors} onChange={setValues} />
        <DialogActions error={error} busy={busy} submitLabel="Start" onSubmit={start} onCancel={onClose} />
      </Stack>
    </Modal>
  );
}
