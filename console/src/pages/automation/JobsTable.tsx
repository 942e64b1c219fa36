// A table of jobs (newest first) with their status; used by the jobs page, an account and a runbook.
import { Anchor, Table } from '@mantine/core';
import { Link } from 'wouter';
import type { Job } from '../../../../src/contract/automation-jobs.js';
import { when } from './data.js';
import { StatusBadge } from './JobStreams.js';

const duration = (j: Job) => {
  if (!j.startedAt) return '—';
  const ms = (j.endedAt ? Date.parse(j.endedAt) : Date.now()) - Date.parse(j.startedAt);
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
};

export function JobsTable({ jobs, showRunbook = true }: { jobs: Job[]; showRunbook?: boolean }) {
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table striped highlightOnHover aria-label="Jobs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Job</Table.Th>
            {showRunbook ? <Table.Th>Runbook</Table.Th> : null}
            <Table.Th>Status</Table.Th>
            <Table.Th>Version</Table.Th>
            <Table.Th>Started by</Table.Th>
            <Table.Th>Created</Table.Th>
            <Table.Th>Ran for</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {jobs.map((j) => (
            <Table.Tr key={j.id}>
              <Table.Td>
                <Anchor component={Link} href={`/automation/jobs/${j.id}`} ff="monospace" fz="sm">
                  {j.id}
                </Anchor>
              </Table.Td>
              {showRunbook ? <Table.Td>{j.runbookName}</Table.Td> : null}
              <Table.Td>
                <StatusBadge status={j.status} />
              </Table.Td>
              <Table.Td>{j.isTest ? 'Test (draft)' : j.runbookVersion}</Table.Td>
              <Table.Td>{j.startedBy}</Table.Td>
              <Table.Td>{when(j.createdAt)}</Table.Td>
              <Table.Td>{duration(j)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
