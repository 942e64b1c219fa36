// First-start work, safe to repeat at every start: the bootstrap administrator (more built-ins join here).
import type { FastifyInstance } from 'fastify';
import type { Database } from '../store/db.js';
import { createLoginThrottle } from './modules/users/login-throttle.js';
import { createUsersService } from './modules/users/users-service.js';

export async function bootstrap(_app: FastifyInstance, database: Database) {
  const users = createUsersService({
    db: database.db,
    throttle: createLoginThrottle({ maxFailures: 1, windowMs: 1 }),
    tokenTtlDays: 1,
  });
  return users.ensureBootstrapAdmin();
}
