// Hosting chains: every object is hosted, directly or through other objects, on exactly one computer or pool.

export interface HostedNode {
  id: string;
  hostId: string | null;
}

export type HostChain =
  | { kind: 'ok' /** ids from the top host down to the direct host */; chain: string[]; top: string }
  | { kind: 'missing-host'; hostId: string }
  | { kind: 'cycle'; at: string }
  | { kind: 'not-rooted'; top: string };

/**
 * Walks from `id` up to the top of its chain. The top must be a terminal (a computer or pool, as
 * `isTerminal` says); the walk reports a missing host, a cycle, or a top that is not a terminal.
 */
export function hostChainOf(
  id: string,
  lookup: (id: string) => HostedNode | undefined,
  isTerminal: (id: string) => boolean,
): HostChain {
  const up: string[] = [];
  const seen = new Set<string>([id]);
  let cur = lookup(id);
  if (!cur) return { kind: 'missing-host', hostId: id };
  while (cur.hostId !== null) {
    const hostId: string = cur.hostId;
    if (seen.has(hostId)) return { kind: 'cycle', at: hostId };
    seen.add(hostId);
    const host = lookup(hostId);
    if (!host) return { kind: 'missing-host', hostId };
    up.push(hostId);
    cur = host;
  }
  if (!isTerminal(cur.id)) return { kind: 'not-rooted', top: cur.id };
  return { kind: 'ok', chain: up.reverse(), top: cur.id };
}

/** Children of each host, for walking down: everything hosted on X, directly or through a chain. */
export function indexHosted(objects: Iterable<HostedNode>): Map<string, string[]> {
  const children = new Map<string, string[]>();
  for (const o of objects) {
    if (o.hostId === null) continue;
    const list = children.get(o.hostId);
    if (list) list.push(o.id);
    else children.set(o.hostId, [o.id]);
  }
  return children;
}

/** Every object hosted below `rootId` (not the root itself), parents before children; cycle-safe. */
export function hostedSubtree(rootId: string, children: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  const seen = new Set<string>([rootId]);
  const queue = [rootId];
  for (let i = 0; i < queue.length; i++) {
    for (const child of children.get(queue[i]!) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}
