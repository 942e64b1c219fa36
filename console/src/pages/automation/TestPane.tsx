// The editor's test pane: start the saved draft as a test job with its parameters and follow its streams live.
import { Alert, Anchor, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import type { Runbook } from '../../../../src/contract/automation.js';
import { type Job, jobSchema } from '../../../../src/contract/automation-jobs.js';
import type { JobStatus } from '../../../../src/domain/automation/jobs.js';
import { api, messageOf } from '../../api.js';
import { usePermission } from '../../session.js';
import { StopButton } from './JobPage.js';
import { JobStreams } from './JobStreams.js';
import { collectValues, initialValues, ParameterFields, type RawValues } from './ParameterFields.js';
import { parameterErrors } from './StartJob.js';

type Declarations = Runbook['draft']['parameters'];

export function TestPane({
  runbook: r,
  declarations,
  beforeStart,
}: {
  runbook: Runbook;
  declarations: Declarations;
  /** Saves the draft first: a test runs the saved draft. False stops the start. */
  beforeStart: () => Promise<boolean>;
}) {
  const qc = useQueryClient();
  const run = usePermission('automation.jobs');
  const [values, setValues] = useState<RawValues>(() => initialValues(declarations));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [job, setJob] = useState<Job | null>(null);

  const start = async () => {
    const collected = collectValues(declarations, values);
    setErrors(collected.issues);
    if (Object.keys(collected.issues).length) return;
    setBusy(true);
    setError(null);
    try {
      if (await beforeStart()) {
        const started = await api.post(
          `/api/v1/runbooks/${encodeURIComponent(r.id)}/jobs`,
          { parameters: collected.values, test: true },
          { schema: jobSchema },
        );
        setJob(started);
        void qc.invalidateQueries({ queryKey: ['jobs'] });
      }
    } catch (err) {
      setErrors(parameterErrors(err));
      setError(messageOf(err));
    }
    setBusy(false);
  };
  const onStatus = (status: JobStatus) => setJob((j) => (j && j.status !== status ? { ...j, status } : j));

  return (
    <Card withBorder padding="md" component="section" aria-label="Test pane">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Test pane
        </Title>
        <Text size="sm" c="dimmed">
          A test runs the saved draft in the cloud, as a job marked as a test; unsaved changes are saved
          first.
        </Text>
        {run.allowed ? (
          <>
            <ParameterFields
              declarations={declarations}
              values={values}
              errors={errors}
              onChange={setValues}
            />
            <Group>
              <Button onClick={start} loading={busy} variant="light">
                Start test
              </Button>
              {job ? <StopButton key={job.id} job={job} onStopped={setJob} /> : null}
            </Group>
          </>
        ) : (
          <Alert color="gray">{run.reason}</Alert>
        )}
        {error ? (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        ) : null}
        {job ? (
          <Stack gap={4}>
            <Anchor component={Link} href={`/automation/jobs/${job.id}`} size="sm">
              Test job {job.id}
            </Anchor>
            <JobStreams jobId={job.id} onStatus={onStatus} height={280} />
          </Stack>
        ) : null}
      </Stack>
    </Card>
  );
}
