// Which server the agent talks to: the first of its list, the next one after a network failure, and back
// to a server earlier in the list only once that server answers again (a probe, not a guess on a timer).
export interface Failover {
  /** The server to use now. */
  current(): string;
  /** Reports that `server` could not be reached: the next call uses the following server. */
  failed(server: string): void;
  /** The servers preferred over the current one, most preferred first: the ones to probe. */
  preferred(): string[];
  /** Reports that a preferred server answers again: the next call uses it. */
  recovered(server: string): void;
}

export function createFailover(servers: readonly string[]): Failover {
  if (servers.length === 0) throw new Error('at least one server is needed');
  let index = 0;
  return {
    current: () => servers[index]!,
    failed(server) {
      if (servers[index] !== server) return;
      index = (index + 1) % servers.length;
    },
    preferred: () => servers.slice(0, index),
    recovered(server) {
      const i = servers.indexOf(server);
      if (i >= 0 && i < index) index = i;
    },
  };
}
