// The names people use, wherever the CLI asks for a target: a computer, pool or server, a class, a group, an
// object — by id, name or display name. One match is taken; several are refused with the candidates listed.
import { type Client, listOf } from '../contract/client.js';
import {
  classSchema,
  computerListSchema,
  groupSchema,
  objectListSchema,
  poolSchema,
} from '../contract/inventory.js';
import { serverSchema } from '../contract/servers.js';
import { matchName, type Named } from '../domain/names/match-name.js';
import { CliError } from './cli-error.js';
import { fetchPaged } from './paging.js';

const ID = /^(cmp|srv|pool|obj)_[A-Za-z0-9_-]+$/;

function pick(ref: string, items: readonly Named[], what: string): string {
  const m = matchName(ref, items, what);
  if (m.ok) return m.id;
  throw CliError.fromCode(
    m.reason === 'none' ? 'NOT_FOUND' : 'VALIDATION_FAILED',
    `${m.message[0]!.toUpperCase()}${m.message.slice(1)}.`,
  );
}

/** Computers, pools and management servers (distribution targets, health services). */
export async function resolveTargets(client: Client, refs: readonly string[]): Promise<string[]> {
  if (refs.every((r) => ID.test(r))) return [...refs];
  const [computers, pools, servers] = await Promise.all([
    fetchPaged(client, '/api/v1/computers', computerListSchema, { all: true, limit: 1000 }),
    client.request('GET', '/api/v1/pools', { schema: listOf(poolSchema) }),
    client.request('GET', '/api/v1/servers', { schema: listOf(serverSchema) }),
  ]);
  const items: Named[] = [
    ...computers.items.map((c) => ({
      id: c.id,
      names: [c.name, c.displayName],
      label: `computer ${c.name}`,
    })),
    ...pools.items.map((p) => ({ id: p.id, names: [p.name, p.displayName], label: `pool ${p.displayName}` })),
    ...servers.items.map((s) => ({ id: s.id, names: [s.name], label: `management server ${s.name}` })),
  ];
  return refs.map((r) => (ID.test(r) ? r : pick(r, items, 'computer, pool or management server')));
}

export async function resolveClass(client: Client, ref: string): Promise<string> {
  const all = await client.request('GET', '/api/v1/classes', { schema: listOf(classSchema) });
  if (all.items.some((c) => c.id === ref)) return ref;
  return pick(
    ref,
    all.items.map((c) => ({ id: c.id, names: [c.displayName], label: `class ${c.displayName}` })),
    'class',
  );
}

export async function resolveGroup(client: Client, ref: string): Promise<string> {
  const all = await client.request('GET', '/api/v1/groups', { schema: listOf(groupSchema) });
  if (all.items.some((g) => g.id === ref)) return ref;
  return pick(
    ref,
    all.items.map((g) => ({ id: g.id, names: [g.displayName], label: `group ${g.displayName}` })),
    'group',
  );
}

/** Any object: computers and pools are objects too (by id, name or display name). */
export async function resolveObject(client: Client, ref: string): Promise<string> {
  return (await resolveObjects(client, [ref]))[0]!;
}

/** Several objects with one look-up; ids are taken as given. */
export async function resolveObjects(client: Client, refs: readonly string[]): Promise<string[]> {
  if (refs.every((r) => ID.test(r))) return [...refs];
  const [objects, computers, pools] = await Promise.all([
    fetchPaged(client, '/api/v1/objects', objectListSchema, { all: true, limit: 1000 }),
    fetchPaged(client, '/api/v1/computers', computerListSchema, { all: true, limit: 1000 }),
    client.request('GET', '/api/v1/pools', { schema: listOf(poolSchema) }),
  ]);
  const items = new Map<string, Named>();
  for (const o of objects.items)
    items.set(o.id, { id: o.id, names: [o.name, o.displayName], label: `${o.classId} ${o.displayName}` });
  for (const c of computers.items)
    items.set(c.id, { id: c.id, names: [c.name, c.displayName], label: `computer ${c.name}` });
  for (const p of pools.items)
    items.set(p.id, { id: p.id, names: [p.name, p.displayName], label: `pool ${p.displayName}` });
  return refs.map((r) => (ID.test(r) ? r : pick(r, [...items.values()], 'object')));
}

/** The classes of group rules given by display name become their ids. */
export async function resolveRuleClasses<R extends { classId: string }>(
  client: Client,
  rules: readonly R[],
): Promise<R[]> {
  const out: R[] = [];
  for (const r of rules) out.push({ ...r, classId: await resolveClass(client, r.classId) });
  return out;
}
