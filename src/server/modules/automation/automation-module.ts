// The automation feature: automation accounts, runbooks, assets and jobs, registered on the app in one call.
import type { FastifyInstance } from 'fastify';
import type { Keyring } from '../../../crypto/keyring.js';
import type { Db } from '../../../store/db.js';
import { registerIdentities } from '../identity/identities-routes.js';
import { createIdentitiesService } from '../identity/identities-service.js';
import { registerAssets } from './assets-routes.js';
import { createAssetsService } from './assets-service.js';
import { registerAutomationAccounts } from './automation-accounts-routes.js';
import { createAutomationAccountsService } from './automation-accounts-service.js';
import { registerJobs } from './jobs-routes.js';
import { createJobsService } from './jobs-service.js';
import { registerRunbooks } from './runbooks-routes.js';
import { createRunbooksService } from './runbooks-service.js';

export interface AutomationDeps {
  db: Db;
  keyring: Keyring;
  now?: () => Date;
}

/** Registers the routes and returns the services, for the job runtime built on them. */
export function registerAutomation(app: FastifyInstance, deps: AutomationDeps) {
  const accounts = createAutomationAccountsService({ db: deps.db });
  const runbooks = createRunbooksService({ db: deps.db, now: deps.now });
  const assets = createAssetsService({ db: deps.db, keyring: deps.keyring });
  registerAutomationAccounts(app, accounts);
  const identities = createIdentitiesService({ db: deps.db });
  registerIdentities(app, identities);
  registerRunbooks(app, runbooks);
  registerAssets(app, assets);
  const jobs = createJobsService({ db: deps.db, keyring: deps.keyring, runbooks, now: deps.now });
  registerJobs(app, jobs);
  return { accounts, identities, runbooks, assets, jobs };
}
