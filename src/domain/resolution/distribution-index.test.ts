// Proves the distribution index: who receives which account, pool members included, what a distribution
// change reports for re-resolution, and that runner tags move exactly with what the runner receives.
import { describe, expect, it } from 'vitest';
import { createDistributionIndex } from './distribution-index.js';
import type { AccountDistribution, RunnerDef } from './model.js';

const runner = (id: string): RunnerDef => ({ id, kind: 'agent', defaultActionAccountId: null });
const acct = (
  id: string,
  approved: string[],
  extra: Partial<AccountDistribution> = {},
): AccountDistribution => ({
  id,
  version: 1,
  type: 'windows',
  security: 'more-secure',
  approved,
  ...extra,
});

const make = () =>
  createDistributionIndex({
    runners: [runner('cmp_1'), runner('cmp_2'), { id: 'pool_a', kind: 'pool', defaultActionAccountId: null }],
    pools: [{ id: 'pool_a', members: ['srv_1'] }],
    accounts: [
      acct('acct_b', ['cmp_1']),
      acct('acct_a', ['pool_a'], { version: 3 }),
      acct('acct_less', [], { security: 'less-secure', version: 2 }),
    ],
  });

describe('distribution index', () => {
  it('distributes a more-secure account only where approved, a less-secure one everywhere', () => {
    const d = make();
    expect(d.isDistributed('acct_b', 'cmp_1')).toBe(true);
    expect(d.isDistributed('acct_b', 'cmp_2')).toBe(false);
    expect(d.isDistributed('acct_less', 'cmp_2')).toBe(true);
    expect(d.isDistributed('acct_gone', 'cmp_1')).toBe(false);
  });

  it('gives a pool member the pool’s accounts, sorted by id with their versions', () => {
    const d = make();
    expect(d.accountsFor('srv_1')).toEqual([
      { id: 'acct_a', version: 3 },
      { id: 'acct_less', version: 2 },
    ]);
    expect(d.accountsFor('cmp_1')).toEqual([
      { id: 'acct_b', version: 1 },
      { id: 'acct_less', version: 2 },
    ]);
  });

  it('reports the runners gained or lost for a more-secure change, and everyone for a security change', () => {
    const d = make();
    expect(d.setAccount(acct('acct_b', ['cmp_2']))).toEqual(new Set(['cmp_1', 'cmp_2']));
    expect(d.isDistributed('acct_b', 'cmp_1')).toBe(false);
    expect(d.setAccount(acct('acct_b', ['cmp_2'], { security: 'less-secure' }))).toBeUndefined();
    expect(d.setAccount(acct('acct_new', ['cmp_1']))).toBeUndefined();
  });

  it('changes a runner’s tag when an account approved for it changes, not for another runner’s', () => {
    const d = make();
    d.drainChanged();
    const before = d.tagOf('cmp_2');
    d.setAccount(acct('acct_b', ['cmp_1'], { version: 2 }));
    expect(d.drainChanged()).toEqual(['cmp_1']);
    expect(d.tagOf('cmp_2')).toBe(before);
    d.setAccount(acct('acct_b', ['cmp_1', 'cmp_2'], { version: 2 }));
    expect(d.tagOf('cmp_2')).not.toBe(before);
    expect(d.drainChanged()).toEqual(['cmp_1', 'cmp_2']);
    expect(d.drainChanged()).toEqual([]);
  });

  it('marks every runner changed when a less-secure account changes', () => {
    const d = make();
    d.drainChanged();
    d.removeAccount('acct_less');
    expect(d.drainChanged()).toEqual(['cmp_1', 'cmp_2', 'pool_a']);
    expect(d.removeAccount('acct_less')).toBe(false);
  });

  it('gives a runner added later the same tag as one present from the start', () => {
    const later = createDistributionIndex({ runners: [], pools: [], accounts: [acct('acct_b', ['cmp_1'])] });
    later.setRunner(runner('cmp_1'), () => undefined);
    const fromStart = createDistributionIndex({
      runners: [runner('cmp_1')],
      pools: [],
      accounts: [acct('acct_b', ['cmp_1'])],
    });
    expect(later.tagOf('cmp_1')).toBe(fromStart.tagOf('cmp_1'));
    expect(later.tagOf('cmp_1')).not.toBe(
      createDistributionIndex({ runners: [runner('cmp_1')], pools: [], accounts: [] }).tagOf('cmp_1'),
    );
  });
});
