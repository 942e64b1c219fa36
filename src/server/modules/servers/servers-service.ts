// This server's own heartbeat, and who is alive: servers that beat within the timeout are pool members.
import { newId } from '../../../contract/ids.js';
import type { Db } from '../../../store/db.js';
import { AppError, notFound } from '../../errors.js';
import { findAccount } from '../accounts/accounts-repo.js';
import { appendAudit } from '../audit/audit-repo.js';
import { registerServerObject } from './server-objects.js';
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
      // The server and its object (Microsoft.SystemCenter.ManagementServer) appear together.
      await d.db.transaction(async (tx) => {
        await repo.insertServer(tx, {
          id,
          name: d.name,
          address: d.address,
          version: d.version,
          startedAt: at,
          heartbeatAt: at,
          defaultActionAccountId: await repo.latestActionAccountOf(tx, d.name),
        });
        await registerServerObject(tx, { id, name: d.name }, new Date(at.getTime() - d.timeoutMs));
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
    /** This server's default action account, read when its pool work refreshes. */
    ownActionAccount: async () => (await repo.findServer(d.db, id))?.defaultActionAccountId ?? null,

    /** R7 as for computers: an action or Windows account, or none. Audited. */
    async setActionAccount(actor: string, serverId: string, accountId: string | null) {
      return d.db.transaction(async (tx) => {
        const row = await repo.findServer(tx, serverId);
        if (!row) throw notFound('Management server', serverId);
        if (accountId) {
          const account = await findAccount(tx, accountId);
          if (!account) {
            throw new AppError('VALIDATION_FAILED', `body.accountId: no Run As account '${accountId}'.`, [
              { path: 'body.accountId', message: `no Run As account '${accountId}'` },
            ]);
          }
          if (account.type !== 'action' && account.type !== 'windows') {
            throw new AppError(
              'RULE_VIOLATION',
              `A default action account must be an action or Windows account; '${account.name}' is ${account.type} (R7).`,
              [
                {
                  path: 'body.accountId',
                  message: `must be an action or Windows account, not ${account.type}`,
                },
              ],
            );
          }
        }
        await repo.setActionAccount(tx, serverId, accountId);
        await appendAudit(tx, {
          actor,
          kind: 'server.action-account',
          target: serverId,
          details: { name: row.name, previous: row.defaultActionAccountId, accountId },
        });
        return (await repo.findServer(tx, serverId))!;
      });
    },
    listLive: () => repo.listLiveServers(d.db, new Date(now().getTime() - d.timeoutMs)),
  };
}
