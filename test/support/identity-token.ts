// Mints identity tokens in tests through the app's own token service, as the job endpoint does for a job.
import { randomBytes } from 'node:crypto';
import { STEWARD_API_AUDIENCE } from '../../src/contract/role-assignments.js';
import type { TestApp } from './test-app.js';

/** A token of the account's system identity (or the user-assigned one with that client id) for `audience`. */
export async function identityToken(
  t: TestApp,
  accountId: string,
  opts: { audience?: string; clientId?: string; jobId?: string } = {},
): Promise<string> {
  const answer = await t.app.tokens.issue(
    {
      jobId: opts.jobId ?? `job_test${randomBytes(4).toString('hex')}`,
      automationAccountId: accountId,
      worker: 'test',
    },
    opts.clientId ? { by: 'client_id', value: opts.clientId } : { by: 'system' },
    opts.audience ?? STEWARD_API_AUDIENCE,
  );
  if (answer.kind !== 'issued') throw new Error(answer.description);
  return answer.accessToken;
}
