// HTTP route of the migration off a legacy Run As account: one call runs (or, dry, plans) every step and answers
// with the report. Authors may plan; carrying it out gives roles, so it takes an administrator (checked in the
// service).
import type { FastifyInstance } from 'fastify';
import { accountParams } from '../../../contract/automation.js';
import { migrateRunAsBody, migrationReportSchema } from '../../../contract/runas-migrate.js';
import { principalOf } from '../../auth.js';
import { errorResponses, typed } from '../../http.js';
import type { MigrateService } from './migrate-service.js';

export function registerMigrate(fastify: FastifyInstance, migrate: MigrateService): void {
  const app = typed(fastify);
  app.post('/api/v1/automation-accounts/:accountId/run-as-account/migrate', {
    schema: {
      tags: ['automation'],
      summary:
        "Move the account off its Run As account: enable the identity, give it the principal's roles, rewrite the runbooks as drafts, publish",
      params: accountParams,
      body: migrateRunAsBody.default({
        dryRun: false,
        leastPrivilege: false,
        test: false,
        publish: false,
        testTimeoutSeconds: 300,
        days: 30,
      }),
      description:
        'Carrying it out takes an administrator; one migration of an account runs at a time (409 while another does). With test or publish, each rewritten draft is test-run; publish publishes only those whose test run passed.',
      response: { 200: migrationReportSchema, ...errorResponses },
    },
    onRequest: app.authorize('automation.manage'),
    handler: async (req) => migrate.migrate(principalOf(req), req.params.accountId, req.body),
  });
}
