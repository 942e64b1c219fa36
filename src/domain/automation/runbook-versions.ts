// Runbook versioning: a draft is edited, publishing copies it into the next published version, rolling back
// publishes an earlier version's content again; published versions are never changed or removed.

export interface RunbookSnapshot {
  content: string;
  /** Parameter declarations, compared as JSON. */
  parameters: readonly unknown[];
}

export interface PublishedVersion extends RunbookSnapshot {
  version: number;
}

export type VersionDecision =
  | { kind: 'publish'; version: number }
  | { kind: 'unchanged'; reason: string }
  | { kind: 'unknown-version'; reason: string };

const same = (a: RunbookSnapshot, b: RunbookSnapshot) =>
  a.content === b.content && JSON.stringify(a.parameters) === JSON.stringify(b.parameters);

/** The number of the next published version: one more than the newest (versions start at 1). */
export const nextVersion = (newest: number | null) => (newest ?? 0) + 1;

/** Publishing the draft: a new version, unless it is exactly the current published version. */
export function decidePublish(
  draft: RunbookSnapshot,
  current: PublishedVersion | undefined,
): VersionDecision {
  if (current && same(draft, current))
    return {
      kind: 'unchanged',
      reason: `The draft is the same as published version ${current.version}: there is nothing new to publish.`,
    };
  return { kind: 'publish', version: nextVersion(current?.version ?? null) };
}

/**
 * Rolling back to `target`: its content and parameters become a new published version (so version numbers
 * only grow and a job's version always names what it ran), unless they already are the current ones.
 */
export function decideRollback(
  target: PublishedVersion | undefined,
  targetNumber: number,
  current: PublishedVersion | undefined,
): VersionDecision {
  if (!target || !current)
    return { kind: 'unknown-version', reason: `The runbook has no published version ${targetNumber}.` };
  if (target.version === current.version || same(target, current))
    return {
      kind: 'unchanged',
      reason: `Version ${targetNumber} is what is published now (version ${current.version}): there is nothing to roll back.`,
    };
  return { kind: 'publish', version: nextVersion(current.version) };
}

/** Whether the draft holds changes not yet published. */
export const draftDiffers = (draft: RunbookSnapshot, current: RunbookSnapshot | undefined) =>
  !current || !same(draft, current);
