// The automation feature: automation accounts, runbooks, assets, jobs, schedules, webhooks and hybrid worker
// app in one call.
import type { FastifyInstance } from 'fastify';
import type { Keyring } from '../../../crypto/keyring.js';
import type { Db } from '../../../store/db.js';
import type { AgentsService } from '../agents/agents-service.js';
import { registerIdentities } from '../identity/identities-routes.js';
import { createIdentitiesService } from '../identity/identities-service.js';
import type { PolicyEnforcer } from '../policy/policy-enforcer.js';
import { registerAssets } from './assets-routes.js';
import { createAssetsService } from './assets-service.js';
import { registerAutomationAccounts } from './automation-accounts-routes.js';
import { createAutomationAccountsService } from './automation-accounts-service.js';
import { registerHybridJobs } from './hybrid-jobs-routes.js';
import { createHybridJobs } from './hybrid-jobs-service.js';
import { registerJobs } from './jobs-routes.js';
import { createJobsService } from './jobs-service.js';
import { registerRunbooks } from './runbooks-routes.js';
import { createRunbooksService } from './runbooks-service.js';
import { registerSchedules } from './schedules-routes.js';
import { createSchedulesService } from './schedules-service.js';
import { registerWebhooks } from './webhooks-routes.js';
import { createWebhooksService } from './webhooks-service.js';
import { registerWorkerGroups } from './worker-groups-routes.js';
import { createWorkerGroupsService } from './worker-groups-service.js';

export interface AutomationDeps {
  db: Db;
  keyring: Keyring;
  /** Delivers a worker group's Run As credential to the agent that claims a job, as any credential. */
  agents: Pick<AgentsService, 'credentials' | 'contactsWritten'>;
  missedHeartbeatMs?: number;
  /** A hybrid job whose agent posted nothing for this long is suspended; default 60 s. */
  hybridJobLostMs?: number;
  /** Judges changes of automation accounts and their identities (R67, Q16). */
  policy?: PolicyEnforcer;
  now?: () => Date;
}

/** Registers the routes and returns the services, for the job runtime built on them. */
export function registerAutomation(app: FastifyInstance, deps: AutomationDeps) {
  const accounts = createAutomationAccountsService({ db: deps.db, policy: deps.policy });
  const runbooks = createRunbooksService({ db: deps.db, now: deps.now });
  const assets = createAssetsService({ db: deps.db, keyring: deps.keyring });
  registerAutomationAccounts(app, accounts);
  const identities = createIdentitiesService({ db: deps.db, policy: deps.policy });
  registerIdentities(app, identities);
  registerRunbooks(app, runbooks);
  registerAssets(app, assets);
  const jobs = createJobsService({
    db: deps.db,
    keyring: deps.keyring,
    runbooks,
    now: deps.now,
    onHybridQueued: () => hybrid.wake(),
  });
  registerJobs(app, jobs);
  const schedules = createSchedulesService({ db: deps.db, jobs, runbooks, now: deps.now });
  registerSchedules(app, schedules);
  registerWebhooks(app, createWebhooksService({ db: deps.db, jobs, runbooks, now: deps.now }));
  const hybrid = createHybridJobs({
    db: deps.db,
    jobs,
    assets,
    agents: deps.agents,
    lostAfterMs: deps.hybridJobLostMs,
    now: deps.now,
  });
  registerHybridJobs(app, hybrid);
  registerWorkerGroups(
    app,
    createWorkerGroupsService({
      db: deps.db,
      missedHeartbeatMs: deps.missedHeartbeatMs,
      contactsWritten: deps.agents.contactsWritten,
      now: deps.now,
    }),
  );
  return { accounts, identities, runbooks, assets, jobs, schedules, hybrid };
}
