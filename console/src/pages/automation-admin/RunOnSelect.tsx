// Where a job runs: the Automation Pool (a server, "cloud") or an agent of a hybrid worker group.
import { Select } from '@mantine/core';
import { useWorkerGroups } from './data.js';

export function RunOnSelect({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (runOn: string) => void;
  error?: string | undefined;
}) {
  const groups = useWorkerGroups();
  const data = [
    { value: 'cloud', label: 'Automation Pool (a management server)' },
    ...(groups.data ?? []).map((g) => ({
      value: g.id,
      label: `Hybrid worker group ${g.name} (${g.workers.filter((w) => w.available).length} of ${g.workers.length} available)`,
    })),
  ];
  return (
    <Select
      label="Run on"
      description={groups.error ? 'The hybrid worker groups could not be read.' : undefined}
      data={data}
      value={value}
      allowDeselect={false}
      error={error}
      onChange={(v) => v && onChange(v)}
    />
  );
}
