// Automation › Jobs: every job, newest first, filtered by status; refreshed while one has not ended.
import { Select } from '@mantine/core';
import { useState } from 'react';
import { jobStatuses } from '../../../../src/contract/automation-jobs.js';
import { Page } from '../../components/page.js';
import { Empty, QueryView } from '../../components/states.js';
import { useJobs } from './data.js';
import { JobsTable } from './JobsTable.js';

export default function JobsPage() {
  const [status, setStatus] = useState<string | null>(null);
  const jobs = useJobs(status ? { status } : {});
  return (
    <Page title="Jobs" description="Runs of runbooks: started by people, schedules and webhooks.">
      <Select
        label="Status"
        placeholder="Any status"
        clearable
        data={[...jobStatuses]}
        value={status}
        onChange={setStatus}
        maw={240}
      />
      <QueryView
        query={jobs}
        isEmpty={(items) => items.length === 0}
        empty={
          <Empty title={status ? `No ${status} jobs` : 'No jobs yet'}>
            Start a runbook from its page; its job appears here.
          </Empty>
        }
      >
        {(items) => <JobsTable jobs={items} />}
      </QueryView>
    </Page>
  );
}
