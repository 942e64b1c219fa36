// The legacy Run As feature: Run As accounts of automation accounts, where they are used, the migration off
// them, and sign-in with their certificates — registered on the app in one call.
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../../store/db.js';
import type { AlertsService } from '../alerts/alerts-service.js';
import type { AssetsService } from '../automation/assets-service.js';
import type { AutomationAccountsService } from '../automation/automation-accounts-service.js';
import type { JobsService } from '../automation/jobs-service.js';
import type { RunbooksService } from '../automation/runbooks-service.js';
import type { TokenService } from '../identity/token-service.js';
import type { PolicyEnforcer } from '../policy/policy-enforcer.js';
import { createCertificateExpiryWatcher } from './certificate-expiry-watcher.js';
import { registerMigrate } from './migrate-routes.js';
import { createMigrateService } from './migrate-service.js';
import { registerRunAs } from './runas-routes.js';
import { createRunAsService } from './runas-service.js';
import { createRunAsUsageService } from './runas-usage-service.js';
import { registerSignIn } from './sign-in-routes.js';
import { createSignInService } from './sign-in-service.js';

export interface RunAsModuleDeps {
  db: Db;
  assets: AssetsService;
  accounts: AutomationAccountsService;
  runbooks: RunbooksService;
  jobs: JobsService;
  tokens: TokenService;
  issuerUrl: () => string | undefined;
  alerts: Pick<AlertsService, 'raise' | 'resolveByKey' | 'openByKey'>;
  /** Expiry warning window in days (critical under 3). */
  warningDays: number;
  /** Judges creation and renewal of Run As accounts (R67, Q16). */
  policy?: PolicyEnforcer;
  now?: () => Date;
}

export function registerRunAsModule(app: FastifyInstance, d: RunAsModuleDeps) {
  const usage = createRunAsUsageService({ db: d.db, now: d.now });
  const runAs = createRunAsService({ db: d.db, assets: d.assets, usage, policy: d.policy, now: d.now });
  registerRunAs(app, runAs);
  registerMigrate(
    app,
    createMigrateService({
      db: d.db,
      usage,
      accounts: d.accounts,
      runbooks: d.runbooks,
      jobs: d.jobs,
      now: d.now,
    }),
  );
  registerSignIn(app, {
    signIn: createSignInService({ db: d.db, tokens: d.tokens, now: d.now }),
    issuerUrl: d.issuerUrl,
  });
  const certificateExpiry = createCertificateExpiryWatcher({
    db: d.db,
    alerts: d.alerts,
    warningDays: d.warningDays,
    now: d.now,
  });
  return { runAs, usage, certificateExpiry };
}
