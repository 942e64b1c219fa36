// The identities of an automation account — its system-assigned principal and the user-assigned identities
// attached to it — as the token service reads them for every token a job asks for. Answered from memory: an
// entry lives at most a second, and is dropped at once when the change feed brings a change to accounts or
// identities (an identity detached, an account deleted) committed on this server or another. Until the cache
// follows the feed every request reads the database.
import type { Db } from '../../../store/db.js';
import * as accountsRepo from '../automation/automation-repo.js';
import type { Change } from '../resolution/resolution-service.js';
import * as repo from './identity-repo.js';

export interface AccountIdentities {
  accountId: string;
  systemPrincipalId: string | null;
  systemClientId: string | null;
  attached: repo.UamiRow[];
}

export interface AccountIdentitiesFeed {
  onChange(listener: (change: Change) => void): unknown;
}

/** Audit kinds whose change can reach an account's identities. */
const IDENTITY_CHANGES = ['automation-account.', 'identity.'];

const MAX_ENTRIES = 10_000;

export function createAccountIdentitiesCache(d: { db: Db; maxAgeMs?: number; now?: () => number }) {
  const maxAgeMs = d.maxAgeMs ?? 1000;
  const now = d.now ?? Date.now;
  const entries = new Map<string, { value: AccountIdentities | undefined; at: number }>();
  let following = false;
  // Bumped by every change that reaches identities: what was read before it is not kept after it.
  let generation = 0;

  function forget() {
    generation++;
    entries.clear();
  }

  async function read(accountId: string): Promise<AccountIdentities | undefined> {
    const account = await accountsRepo.findAccount(d.db, accountId);
    if (!account) return undefined;
    const attached = (await repo.attachedTo(d.db, [account.id])).get(account.id) ?? [];
    return {
      accountId: account.id,
      systemPrincipalId: account.systemPrincipalId,
      systemClientId: account.systemClientId,
      attached,
    };
  }

  return {
    /** Follows the change feed; from then on entries are answered from memory. */
    follow(feed: AccountIdentitiesFeed) {
      following = true;
      feed.onChange((c) => {
        if (c.kind === 'reset' || IDENTITY_CHANGES.some((p) => c.kind.startsWith(p))) forget();
      });
    },
    /** Forgets everything: a change to accounts or identities was just committed here. */
    forget,
    /** The account's identities, or undefined when the account does not exist. */
    async get(accountId: string): Promise<AccountIdentities | undefined> {
      if (!following) return read(accountId);
      const hit = entries.get(accountId);
      if (hit && now() - hit.at < maxAgeMs) return hit.value;
      const before = generation;
      const at = now();
      const value = await read(accountId);
      if (before === generation) {
        if (entries.size >= MAX_ENTRIES) entries.clear();
        entries.set(accountId, { value, at });
      }
      return value;
    },
  };
}

export type AccountIdentitiesCache = ReturnType<typeof createAccountIdentitiesCache>;
