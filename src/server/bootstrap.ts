// First-start work, safe to repeat at every start and on several servers at once: the built-in pack,
// the bootstrap administrator and the built-in pools.
import type { Database } from '../store/db.js';
import { ensureBuiltInPools } from './modules/inventory/pools-service.js';
import { ensureBuiltInPacks } from './modules/packs/built-in-packs.js';
import { ensureBootstrapAdmin } from './modules/users/users-service.js';

const BOOTSTRAP_LOCK = 7_420_003;

/** Returns the bootstrap administrator's one-time password when this call created it. */
export async function bootstrap(database: Database) {
  // Servers starting together take turns: the second finds everything done.
  return database.withSession(async (query) => {
    await query('SELECT pg_advisory_lock($1)', [BOOTSTRAP_LOCK]);
    try {
      // First: every other built-in (pools, objects) needs the classes of Steward.Library.
      await ensureBuiltInPacks(database.db);
      const admin = await ensureBootstrapAdmin(database.db);
      await ensureBuiltInPools(database.db);
      return admin;
    } finally {
      await query('SELECT pg_advisory_unlock($1)', [BOOTSTRAP_LOCK]);
    }
  });
}
