import { describe, expect, it } from 'vitest';
import { matchName } from './match-name.js';

const items = [
  {
    id: 'pool_n',
    names: ['notifications', 'Notifications Resource Pool'],
    label: 'pool Notifications Resource Pool',
  },
  { id: 'cmp_a', names: ['web01.contoso.test', 'Web server'], label: 'computer web01.contoso.test' },
  { id: 'cmp_b', names: ['web02.contoso.test', 'Web server'], label: 'computer web02.contoso.test' },
  { id: 'cmp_c', names: ['Ünïcode.test', null], label: 'computer Ünïcode.test' },
];

describe('matchName', () => {
  it('takes an id as it is, and a name or display name regardless of case and surrounding space', () => {
    expect(matchName('cmp_b', items, 'target')).toEqual({ ok: true, id: 'cmp_b' });
    expect(matchName(' notifications resource POOL ', items, 'target')).toEqual({ ok: true, id: 'pool_n' });
    expect(matchName('ünïcode.TEST', items, 'target')).toEqual({ ok: true, id: 'cmp_c' });
  });

  it('refuses a name several things share, listing them, and a name nothing has', () => {
    const m = matchName('web server', items, 'target');
    expect(m).toMatchObject({
      ok: false,
      reason: 'ambiguous',
      candidates: ['computer web01.contoso.test (cmp_a)', 'computer web02.contoso.test (cmp_b)'],
    });
    expect(matchName('nothing', items, 'computer or pool')).toEqual({
      ok: false,
      reason: 'none',
      message: "no computer or pool is named 'nothing'",
    });
  });
});
