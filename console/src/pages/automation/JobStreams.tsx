// A job's streams as they arrive: a long poll on the API (`wait`) that follows the job until it has ended.
import { Alert, Badge, Box, Group, ScrollArea, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import type { z } from 'zod';
import { streamsResponse } from '../../../../src/contract/automation-jobs.js';
import { hasEnded, type JobStatus } from '../../../../src/domain/automation/jobs.js';
import { api, messageOf } from '../../api.js';

type StreamRecord = z.infer<typeof streamsResponse>['items'][number];

/** Seconds each request waits on the server for a new record while the job runs (the API allows up to 30). */
const WAIT_SECONDS = 20;

export const statusColors: Record<JobStatus, string> = {
  New: 'gray',
  Queued: 'gray',
  Running: 'blue',
  Completed: 'green',
  Failed: 'red',
  Stopped: 'orange',
  Suspended: 'yellow',
};

export function StatusBadge({ status }: { status: JobStatus }) {
  return (
    <Badge variant="dot" color={statusColors[status]}>
      {status}
    </Badge>
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows one job's streams: every record since the first, then each new one as the job writes it, until the
 * job has ended. `onStatus` hears each status the API reports with the records.
 */
export function JobStreams({
  jobId,
  onStatus,
  height = 360,
}: {
  jobId: string;
  onStatus?: (status: JobStatus) => void;
  height?: number;
}) {
  const [records, setRecords] = useState<StreamRecord[]>([]);
  const [status, setStatus] = useState<JobStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const onStatusRef = useRef(onStatus);
  onStatusRef.current = onStatus;
  const viewport = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let cancelled = false;
    setRecords([]);
    setStatus(null);
    (async () => {
      let after = 0;
      while (!cancelled) {
        try {
          const page = await api.get(`/api/v1/jobs/${encodeURIComponent(jobId)}/streams`, {
            query: { after, wait: WAIT_SECONDS },
            schema: streamsResponse,
          });
          if (cancelled) return;
          setError(null);
          if (page.items.length) setRecords((old) => [...old, ...page.items]);
          setStatus(page.status);
          onStatusRef.current?.(page.status);
          after = page.next;
          if (hasEnded(page.status) && page.items.length === 0) return;
        } catch (err) {
          if (cancelled) return;
          setError(messageOf(err));
          await sleep(3000);
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [jobId]);

  // Keep the newest line in view as lines arrive.
  const count = records.length;
  useEffect(() => {
    if (count) viewport.current?.scrollTo({ top: viewport.current.scrollHeight });
  }, [count]);

  const following = status === null || !hasEnded(status);
  return (
    <Box>
      <Group justify="space-between" mb={4}>
        <Text fw={600}>Output</Text>
        <Text size="sm" c="dimmed" role="status" aria-live="polite">
          {status === null
            ? 'Connecting…'
            : following
              ? `${status} · following live`
              : `${status} · ${count} ${count === 1 ? 'line' : 'lines'}`}
        </Text>
      </Group>
      {error ? (
        <Alert color="red" role="alert" mb="xs">
          {error} Trying again…
        </Alert>
      ) : null}
      <ScrollArea
        h={height}
        viewportRef={viewport}
        type="auto"
        bd="1px solid var(--mantine-color-default-border)"
      >
        <Box role="log" aria-label="Job streams" tabIndex={0} p="xs" ff="monospace" fz="sm">
          {count === 0 ? (
            <Text c="dimmed" size="sm">
              {following ? 'No output yet.' : 'The job wrote nothing.'}
            </Text>
          ) : (
            records.map((r) => (
              <Group key={r.seq} gap="xs" wrap="nowrap" align="flex-start">
                {r.stream === 'output' ? null : (
                  <Text component="span" fw={700} fz="xs" tt="uppercase" miw={64}>
                    {r.stream}
                  </Text>
                )}
                <Text
                  component="span"
                  ff="monospace"
                  fz="sm"
                  style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}
                >
                  {r.text}
                </Text>
              </Group>
            ))
          )}
        </Box>
      </ScrollArea>
    </Box>
  );
}
