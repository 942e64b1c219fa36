// One job: its status and details, its streams followed live while it runs, and Stop.
import { Alert, Anchor, Button, Stack } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { type Job, jobSchema } from '../../../../src/contract/automation-jobs.js';
import { hasEnded } from '../../../../src/domain/automation/jobs.js';
import { api, messageOf } from '../../api.js';
import { Page } from '../../components/page.js';
import { PropertyTable } from '../../components/property-table.js';
import { QueryView } from '../../components/states.js';
import { usePermission } from '../../session.js';
import { useJob, when } from './data.js';
import { JobStreams, StatusBadge } from './JobStreams.js';

export const parameterText = (j: Job) => {
  const names = [...new Set([...Object.keys(j.parameters), ...j.secretParameters])];
  if (names.length === 0) return 'None';
  return names
    .map((n) => `${n} = ${j.secretParameters.includes(n) ? '(secret)' : JSON.stringify(j.parameters[n])}`)
    .join(', ');
};

export default function JobPage({ id }: { id: string }) {
  const qc = useQueryClient();
  const job = useJob(id);
  const onStatus = (status: string) => {
    if (job.data && job.data.status !== status) void qc.invalidateQueries({ queryKey: ['jobs'] });
  };
  return (
    <QueryView query={job} empty={null}>
      {(j) => (
        <Page
          title={`Job of ${j.runbookName}`}
          description={`${j.id} · ${j.isTest ? 'test run of the draft' : `version ${j.runbookVersion}`}`}
          actions={<StopButton job={j} />}
        >
          <PropertyTable
            label="Job properties"
            rows={[
              ['Status', <StatusBadge key="s" status={j.status} />],
              ...(j.statusReason ? [['Reason', j.statusReason] as const] : []),
              [
                'Runbook',
                j.runbookId ? (
                  <Anchor key="r" component={Link} href={`/automation/runbooks/${j.runbookId}`}>
                    {j.runbookName}
                  </Anchor>
                ) : (
                  `${j.runbookName} (deleted)`
                ),
              ],
              ['Parameters', parameterText(j)],
              ['Runs on', j.runOn === 'cloud' ? 'Cloud (Automation Pool)' : j.runOn],
              ['Started by', j.startedBy],
              ['Created', when(j.createdAt)],
              ['Started', when(j.startedAt)],
              ['Ended', when(j.endedAt)],
              ['Exit code', j.exitCode === null ? '—' : String(j.exitCode)],
              ...(j.restarts ? [['Restarts', String(j.restarts)] as const] : []),
            ]}
          />
          {j.exception ? (
            <Alert color="red" title="Exception">
              <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{j.exception}</pre>
            </Alert>
          ) : null}
          <JobStreams jobId={j.id} onStatus={onStatus} />
        </Page>
      )}
    </QueryView>
  );
}

/** Stop, for roles that may start and stop jobs, while the job has not ended. */
export function StopButton({ job, onStopped }: { job: Job; onStopped?: (j: Job) => void }) {
  const qc = useQueryClient();
  const run = usePermission('automation.jobs');
  const [busy, setBusy] = useState(false);
  const [requested, setRequested] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!run.allowed || hasEnded(job.status)) return null;
  const stop = async () => {
    setBusy(true);
    setError(null);
    try {
      const stopped = await api.post(`/api/v1/jobs/${encodeURIComponent(job.id)}/stop`, undefined, {
        schema: jobSchema,
      });
      qc.setQueryData(['jobs', job.id], stopped);
      // A running job ends once its process tree has: until then it is stopping.
      setRequested(true);
      await qc.invalidateQueries({ queryKey: ['jobs'] });
      onStopped?.(stopped);
    } catch (err) {
      setError(messageOf(err));
    }
    setBusy(false);
  };
  return (
    <Stack gap={4} align="flex-end">
      <Button color="red" variant="light" onClick={stop} loading={busy} disabled={requested}>
        {requested ? 'Stopping…' : 'Stop'}
      </Button>
      {error ? (
        <Alert color="red" role="alert" p="xs">
          {error}
        </Alert>
      ) : null}
    </Stack>
  );
}
