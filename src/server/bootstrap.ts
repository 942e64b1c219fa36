// First-start work, safe to repeat at every start: the bootstrap administrator (more built-ins join here).
import type { FastifyInstance } from 'fastify';
import type { Database } from '../store/db.js';
import { ensureBuiltInPools } from './modules/inventory/pools-service.js';
import { ensureBuiltInPacks } from './modules/packs/built-in-packs.js';
import { createLoginThrottle } from './modules/users/login-throttle.js';
import { createUsersService } from './modules/users/users-service.js';

export async function bootstrap(_app: FastifyInstance, database: Database) {
  // First: every other built-in (pools, objects) needs the classes of Steward.Library.
  await ensureBuiltInPacks(database.db);
  const users = createUsersService({
    db: database.db,
    throttle: createLoginThrottle({ maxFailures: 1, windowMs: 1 }),
    tokenTtlDays: 1,
  });
  const admin = await users.ensureBootstrapAdmin();
  await ensureBuiltInPools(database.db);
  return admin;
}
