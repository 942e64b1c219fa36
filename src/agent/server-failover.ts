// Which server the agent talks to: the first of its list, the next one after a network failure, and back
// to the first after `failbackMs`.
export interface Failover {
  /** The server to use now. */
  current(): string;
  /** Reports that `server` could not be reached: the next call uses the following server. */
  failed(server: string): void;
}

export function createFailover(
  servers: readonly string[],
  opts: { failbackMs?: number; now?: () => number } = {},
): Failover {
  if (servers.length === 0) throw new Error('at least one server is needed');
  const now = opts.now ?? Date.now;
  const failbackMs = opts.failbackMs ?? 60_000;
  let index = 0;
  let movedAt = 0;
  return {
    current() {
      if (index !== 0 && now() - movedAt >= failbackMs) index = 0;
      return servers[index]!;
    },
    failed(server) {
      if (servers[index] !== server) return;
      index = (index + 1) % servers.length;
      movedAt = now();
    },
  };
}
