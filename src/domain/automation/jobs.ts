// Jobs as the domain sees them: their statuses, their streams, and how a line a runbook writes becomes a record.

export const jobStatuses = [
  'New',
  'Queued',
  'Running',
  'Completed',
  'Failed',
  'Stopped',
  'Suspended',
] as const;
export type JobStatus = (typeof jobStatuses)[number];

/** A job in one of these has ended: nothing changes it any more. */
export const endedStatuses: readonly JobStatus[] = ['Completed', 'Failed', 'Stopped'];
export const hasEnded = (s: string) => (endedStatuses as readonly string[]).includes(s);

export const jobStreams = ['output', 'error', 'warning', 'verbose', 'progress'] as const;
export type JobStream = (typeof jobStreams)[number];

/** A job's streams keep at most this many bytes of text; the rest is dropped with one marker record. */
export const STREAM_CAP_BYTES = 1024 * 1024;
/** A longer line is cut into records of at most this many characters. */
export const MAX_RECORD_CHARS = 16 * 1024;

/** How many times a cloud job whose server died is started again elsewhere before it fails (Azure: 3). */
export const MAX_JOB_RESTARTS = 3;

const prefixed: readonly [string, JobStream][] = [
  ['WARNING: ', 'warning'],
  ['VERBOSE: ', 'verbose'],
  ['PROGRESS: ', 'progress'],
];

/**
 * The record of one line a runbook wrote. Standard output is the output stream; on standard error a line that
 * starts with `WARNING: `, `VERBOSE: ` or `PROGRESS: ` (as PowerShell writes them) goes to that stream, any
 * other to the error stream.
 */
export function recordOfLine(from: 'stdout' | 'stderr', line: string): { stream: JobStream; text: string } {
  if (from === 'stdout') return { stream: 'output', text: line };
  for (const [prefix, stream] of prefixed)
    if (line.startsWith(prefix)) return { stream, text: line.slice(prefix.length) };
  return { stream: 'error', text: line };
}
