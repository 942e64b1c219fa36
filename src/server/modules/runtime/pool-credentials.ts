// Credentials for work a pool member runs in-process: only accounts distributed to the pool, each opening
// audited like a delivery to an agent (which server, for which pool, which account version).
import type { OpenedCredential } from '../../../contract/agents.js';
import type { Db } from '../../../store/db.js';
import type { AccountsService } from '../accounts/accounts-service.js';
import { appendAuditBatch } from '../audit/audit-repo.js';
import type { ResolutionService } from '../resolution/resolution-service.js';
import { findServer } from '../servers/servers-repo.js';

export interface PoolCredentialsDeps {
  db: Db;
  serverId: string;
  accounts: Pick<AccountsService, 'openCredentials'>;
  resolution: Pick<ResolutionService, 'current'>;
}

export type PoolCredentials = ReturnType<typeof createPoolCredentials>;

export function createPoolCredentials(d: PoolCredentialsDeps) {
  const actor = `server:${d.serverId}`;
  return {
    /** Opens each requested account distributed to the pool at that version; any other is left out. */
    async open(poolId: string, requested: { id: string; version: number }[]): Promise<OpenedCredential[]> {
      const engine = await d.resolution.current();
      const distributed = new Map(engine.accountsFor(poolId).map((a) => [a.id, a.version]));
      // The server's own default action account, when it is distributed to this server, runs its pool work.
      const own = (await findServer(d.db, d.serverId))?.defaultActionAccountId;
      const ownHere = own ? engine.accountsFor(d.serverId).find((a) => a.id === own) : undefined;
      if (ownHere && !distributed.has(ownHere.id)) distributed.set(ownHere.id, ownHere.version);
      const out = await d.accounts.openCredentials(
        requested.filter((r) => distributed.get(r.id) === r.version),
      );
      if (out.length)
        await d.db.transaction((tx) =>
          appendAuditBatch(tx, [
            {
              actor,
              kind: 'credential.delivery',
              target: poolId,
              details: {
                pool: poolId,
                server: d.serverId,
                accounts: out.map((c) => ({ account: c.accountId, version: c.version })),
              },
            },
          ]),
        );
      return out;
    },
  };
}
