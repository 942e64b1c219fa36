// Proves hosting chains end at a computer or pool, and that missing hosts, cycles and unrooted chains are reported.
import { describe, expect, it } from 'vitest';
import { type HostedNode, hostChainOf, hostedSubtree, indexHosted } from './hosting.js';

const objects: HostedNode[] = [
  { id: 'cmp_abc', hostId: null },
  { id: 'pool_x', hostId: null },
  { id: 'obj_sql', hostId: 'cmp_abc' },
  { id: 'obj_db', hostId: 'obj_sql' },
  { id: 'obj_file', hostId: 'obj_db' },
  { id: 'obj_loose', hostId: null },
  { id: 'obj_on_loose', hostId: 'obj_loose' },
  { id: 'obj_a', hostId: 'obj_b' },
  { id: 'obj_b', hostId: 'obj_a' },
  { id: 'obj_orphan', hostId: 'obj_gone' },
];
const byId = new Map(objects.map((o) => [o.id, o]));
const lookup = (id: string) => byId.get(id);
const terminal = (id: string) => id.startsWith('cmp_') || id.startsWith('pool_');

describe('hosting chains', () => {
  it('lists the hosts from the top down and names the top host', () => {
    expect(hostChainOf('obj_file', lookup, terminal)).toEqual({
      kind: 'ok',
      chain: ['cmp_abc', 'obj_sql', 'obj_db'],
      top: 'cmp_abc',
    });
  });

  it('gives a computer an empty chain with itself on top', () => {
    expect(hostChainOf('cmp_abc', lookup, terminal)).toEqual({ kind: 'ok', chain: [], top: 'cmp_abc' });
  });

  it('refuses a chain whose top is not a computer or pool', () => {
    expect(hostChainOf('obj_on_loose', lookup, terminal)).toEqual({ kind: 'not-rooted', top: 'obj_loose' });
  });

  it('reports a cycle instead of looping', () => {
    expect(hostChainOf('obj_a', lookup, terminal).kind).toBe('cycle');
  });

  it('reports a host that does not exist', () => {
    expect(hostChainOf('obj_orphan', lookup, terminal)).toEqual({ kind: 'missing-host', hostId: 'obj_gone' });
  });

  it('finds everything hosted below an object, parents before children, cycle-safe', () => {
    const children = indexHosted(objects);
    expect(hostedSubtree('cmp_abc', children)).toEqual(['obj_sql', 'obj_db', 'obj_file']);
    expect(hostedSubtree('obj_file', children)).toEqual([]);
    expect(hostedSubtree('obj_a', children)).toEqual(['obj_b']);
  });
});
