// Proves how the deliveries planned for an alert change become one per (change, channel, address): the sources
// of every subscription reaching the address kept once each, and the most visible role among them.
import { describe, expect, it } from 'vitest';
import { mergeByAddress } from './delivery-sources.js';

const planned = (
  id: string,
  subscriptionId: string,
  subscriberId: string,
  address: string,
  role: 'to' | 'cc' | 'bcc',
  channelId = 'chan_mail',
) => ({
  id,
  alertId: 'alrt_1',
  changeSeq: 7,
  reason: 'started-matching',
  subscriptionId,
  channelId,
  subscriberId,
  address,
  role,
  status: 'pending',
  nextAttemptAt: new Date(0),
  alertSeq: 7,
  sources: [{ subscriptionId, subscriberId, role }],
});

describe('mergeByAddress', () => {
  it('makes one delivery per address, listing every subscription once, with the most visible role', () => {
    const rows = mergeByAddress([
      planned('dlv_1', 'sub_a', 'sbr_night', 'ops@contoso.com', 'bcc'),
      planned('dlv_2', 'sub_b', 'sbr_day', 'ops@contoso.com', 'cc'),
      planned('dlv_3', 'sub_b', 'sbr_day', 'ops@contoso.com', 'to'),
      planned('dlv_4', 'sub_b', 'sbr_dba', 'dba@contoso.com', 'to'),
    ]);
    expect(rows.map((r) => [r.id, r.address, r.role, r.sources])).toEqual([
      [
        'dlv_1',
        'ops@contoso.com',
        'to',
        [
          { subscriptionId: 'sub_a', subscriberId: 'sbr_night', role: 'bcc' },
          { subscriptionId: 'sub_b', subscriberId: 'sbr_day', role: 'to' },
        ],
      ],
      ['dlv_4', 'dba@contoso.com', 'to', [{ subscriptionId: 'sub_b', subscriberId: 'sbr_dba', role: 'to' }]],
    ]);
  });

  it('keeps the same address through two channels apart, and leaves the planned rows as they were', () => {
    const input = [
      planned('dlv_1', 'sub_a', 'sbr_1', 'ops@contoso.com', 'cc', 'chan_relay1'),
      planned('dlv_2', 'sub_b', 'sbr_1', 'ops@contoso.com', 'to', 'chan_relay2'),
      planned('dlv_3', 'sub_c', 'sbr_1', 'ops@contoso.com', 'to', 'chan_relay1'),
    ];
    const rows = mergeByAddress(input);
    expect(rows.map((r) => [r.channelId, r.role, r.sources.map((s) => s.subscriptionId)])).toEqual([
      ['chan_relay1', 'to', ['sub_a', 'sub_c']],
      ['chan_relay2', 'to', ['sub_b']],
    ]);
    expect(input[0]).toMatchObject({ role: 'cc', sources: [{ subscriptionId: 'sub_a', role: 'cc' }] });
  });
});
