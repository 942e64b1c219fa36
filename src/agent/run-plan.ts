// What the agent runs and as whom: scheduled workflows, the credentials it must fetch, and, per
// (workflow, object) entry, the credential to run with — or that it must not run (R22).
import type { z } from 'zod';
import type { OpenedCredential } from '../contract/agents.js';
import type { healthServiceConfigSchema } from '../contract/resolution.js';
import type { AgentWorkflow } from '../contract/results.js';
import { accountsInUse } from '../domain/resolution/accounts-in-use.js';
import type { ScheduledItem } from './schedules.js';

export type AgentConfig = z.infer<typeof healthServiceConfigSchema>;
export type ConfigEntry = AgentConfig['entries'][number];

export type RunDecision =
  | { kind: 'run'; credential: OpenedCredential | undefined; why: string }
  | { kind: 'not-run'; accountId: string; why: string };

/** Discoveries, rules and monitors that have a schedule; tasks run on demand only. */
export function scheduledWorkflows(workflows: readonly AgentWorkflow[]): ScheduledItem[] {
  const out: ScheduledItem[] = [];
  for (const w of workflows)
    if (w.kind !== 'task' && w.schedule) out.push({ id: w.id, schedule: w.schedule });
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The needed accounts not held at their current version: what to ask the server for. */
export function credentialsToFetch(
  config: AgentConfig,
  held: ReadonlyMap<string, OpenedCredential>,
): { id: string; version: number }[] {
  return accountsInUse(config).filter((a) => held.get(a.id)?.version !== a.version);
}

/** Held credentials the configuration no longer needs, or at an old version: forget them. */
export function credentialsToDrop(
  config: AgentConfig,
  held: ReadonlyMap<string, OpenedCredential>,
): string[] {
  const needed = new Map(accountsInUse(config).map((a) => [a.id, a.version]));
  return [...held.values()].filter((c) => needed.get(c.accountId) !== c.version).map((c) => c.accountId);
}

/**
 * How to run one entry. An account that is not distributed here is never replaced by the default action
 * account: the workflow is not run for that object. The default action account runs with its credential
 * when it is distributed here, with none (the agent's own user) otherwise.
 */
export function decideRun(
  entry: ConfigEntry,
  config: Pick<AgentConfig, 'defaultActionAccountId'>,
  held: ReadonlyMap<string, OpenedCredential>,
): RunDecision {
  const r = entry.resolution;
  if (r.kind === 'not-distributed')
    return { kind: 'not-run', accountId: r.accountId, why: 'the account is not distributed to this agent' };
  if (r.kind === 'account') {
    const credential = held.get(r.accountId);
    if (!credential)
      return { kind: 'not-run', accountId: r.accountId, why: 'the credential did not arrive on this agent' };
    return { kind: 'run', credential, why: `account ${r.accountId}` };
  }
  const daa = config.defaultActionAccountId;
  const credential = daa ? held.get(daa) : undefined;
  return credential
    ? { kind: 'run', credential, why: `default action account ${daa}` }
    : { kind: 'run', credential: undefined, why: 'default action account not on this agent: its own user' };
}
