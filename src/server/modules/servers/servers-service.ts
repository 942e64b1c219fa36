// This server's own heartbeat, and who is alive: servers that beat within the timeout are pool members.
import { newId } from '../../../contract/ids.js';
import type { Db } from '../../../store/db.js';
import * as repo from './servers-repo.js';

export interface ServersServiceDeps {
  db: Db;
  name: string;
  address: string;
  version: string;
  heartbeatMs: number;
  timeoutMs: number;
  now?: () => Date;
  onError?: (err: unknown) => void;
}

export type ServersService = ReturnType<typeof createServersService>;

export function createServersService(d: ServersServiceDeps) {
  const now = d.now ?? (() => new Date());
  const id = newId('server');
  let timer: NodeJS.Timeout | undefined;
  const isLive = (s: repo.ServerRow) =>
    !s.stoppedAt && s.heartbeatAt.getTime() > now().getTime() - d.timeoutMs;

  return {
    id,
    name: d.name,
    isLive,
    async start() {
      const at = now();
      await repo.insertServer(d.db, {
        id,
        name: d.name,
        address: d.address,
        version: d.version,
        startedAt: at,
        heartbeatAt: at,
      });
      timer = setInterval(() => {
        repo.heartbeat(d.db, id, now()).catch((err) => d.onError?.(err));
      }, d.heartbeatMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await repo.markStopped(d.db, id, now());
    },
    list: () => repo.listServers(d.db),
    listLive: () => repo.listLiveServers(d.db, new Date(now().getTime() - d.timeoutMs)),
  };
}
