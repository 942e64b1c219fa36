// Proves that a failed query's parameters never reach the printed or logged form of the error.
import { describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/support/test-database.js';
import { errorLine, redactDbError } from './db-errors.js';
import { users } from './schema.js';

describe('database errors', () => {
  it('keep the reason and drop the parameters', async () => {
    const database = await openTestDatabase();
    const row = {
      id: 'usr_x',
      username: 'dup',
      displayName: 'd',
      role: 'operator',
      passwordHash: '$argon2id$secret-hash-value',
    };
    await database.db.insert(users).values(row);
    const err = await database.db
      .insert(users)
      .values({ ...row, id: 'usr_y' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    await database.close();
    expect(String((err as Error).message)).toContain('secret-hash-value');
    expect(errorLine(err)).toMatch(/duplicate key/);
    expect(errorLine(err)).not.toContain('secret-hash-value');
    const redacted = redactDbError(err) as Error;
    expect(`${redacted.message}\n${redacted.stack}`).not.toContain('secret-hash-value');
  });
});
