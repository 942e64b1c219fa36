// Proves what the agent runs and as whom: tasks are never scheduled, only needed distributed credentials are
// fetched, an account not distributed means not run (never the default action account), and the default
// action account runs with its credential only when it is on this agent.
import { describe, expect, it } from 'vitest';
import type { OpenedCredential } from '../contract/agents.js';
import type { AgentWorkflow } from '../contract/results.js';
import {
  type AgentConfig,
  credentialsToDrop,
  credentialsToFetch,
  decideRun,
  scheduledWorkflows,
} from './run-plan.js';

const action = { type: 'command' as const, command: ['true'], timeoutSeconds: 10 };
const wf = (id: string, kind: AgentWorkflow['kind'], schedule: AgentWorkflow['schedule']): AgentWorkflow => ({
  id,
  kind,
  targetClassId: 'System.Computer',
  profileId: null,
  action,
  schedule,
});
const cred = (accountId: string, version = 1): OpenedCredential => ({
  accountId,
  version,
  name: accountId,
  type: 'windows',
  publicFields: { userName: `u-${accountId}` },
  secret: { password: `p-${accountId}` },
});

const config: AgentConfig = {
  healthServiceId: 'cmp_1',
  tag: 't1',
  defaultActionAccountId: 'acct_daa',
  entries: [
    {
      workflowId: 'W.Ran',
      objectId: 'cmp_1',
      resolution: { kind: 'account', accountId: 'acct_a', associationId: 'asc_1' },
    },
    {
      workflowId: 'W.NotRun',
      objectId: 'cmp_1',
      resolution: { kind: 'not-distributed', accountId: 'acct_b', associationId: 'asc_2' },
    },
    { workflowId: 'W.Default', objectId: 'cmp_1', resolution: { kind: 'default-action-account' } },
  ],
  accounts: [
    { id: 'acct_a', version: 2 },
    { id: 'acct_daa', version: 1 },
    { id: 'acct_unused', version: 1 },
  ],
};

describe('scheduled workflows', () => {
  it('schedules discoveries, rules and monitors with a schedule, never tasks', () => {
    const out = scheduledWorkflows([
      wf('M', 'monitor', { cron: '* * * * * *' }),
      wf('T', 'task', null),
      wf('D', 'discovery', { intervalSeconds: 60 }),
      wf('R', 'rule', { intervalSeconds: 300 }),
    ]);
    expect(out.map((o) => o.id)).toEqual(['D', 'M', 'R']);
    expect(out.find((o) => o.id === 'M')?.schedule).toEqual({ cron: '* * * * * *' });
  });
});

describe('credentials to fetch', () => {
  it('asks only for distributed accounts its entries or default action account use, at their version', () => {
    expect(credentialsToFetch(config, new Map())).toEqual([
      { id: 'acct_a', version: 2 },
      { id: 'acct_daa', version: 1 },
    ]);
    const held = new Map([
      ['acct_a', cred('acct_a', 1)],
      ['acct_daa', cred('acct_daa', 1)],
    ]);
    expect(credentialsToFetch(config, held)).toEqual([{ id: 'acct_a', version: 2 }]);
  });

  it('drops credentials no longer needed or at an old version', () => {
    const held = new Map([
      ['acct_a', cred('acct_a', 1)],
      ['acct_daa', cred('acct_daa', 1)],
      ['acct_gone', cred('acct_gone', 1)],
    ]);
    expect(credentialsToDrop(config, held).sort()).toEqual(['acct_a', 'acct_gone']);
  });
});

describe('run decision', () => {
  const held = new Map([
    ['acct_a', cred('acct_a', 2)],
    ['acct_daa', cred('acct_daa', 1)],
  ]);
  const entry = (id: string) => config.entries.find((e) => e.workflowId === id)!;

  it('runs with the resolved account’s credential', () => {
    const d = decideRun(entry('W.Ran'), config, held);
    expect(d.kind === 'run' && d.credential?.accountId).toBe('acct_a');
  });

  it('does not run when the account is not distributed, even with a default action account at hand', () => {
    expect(decideRun(entry('W.NotRun'), config, held)).toMatchObject({
      kind: 'not-run',
      accountId: 'acct_b',
    });
  });

  it('does not run when a distributed account’s credential has not arrived', () => {
    expect(decideRun(entry('W.Ran'), config, new Map())).toMatchObject({
      kind: 'not-run',
      accountId: 'acct_a',
    });
  });

  it('runs the default action account with its credential when it is here, with none otherwise', () => {
    const d = decideRun(entry('W.Default'), config, held);
    expect(d.kind === 'run' && d.credential?.accountId).toBe('acct_daa');
    const none = decideRun(entry('W.Default'), { defaultActionAccountId: null }, held);
    expect(none).toMatchObject({ kind: 'run', credential: undefined });
  });
});
