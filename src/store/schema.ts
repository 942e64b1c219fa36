// The database schema: every table Steward keeps, in Drizzle's terms (migrations are generated from it).
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** One subscription a delivery serves, and the subscriber and role through which it reaches the address. */
export interface DeliverySourceJson {
  subscriptionId: string;
  subscriberId: string;
  role: 'to' | 'cc' | 'bcc';
}

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  username: text('username').notNull().unique(),
  displayName: text('display_name').notNull(),
  role: text('role').notNull(),
  passwordHash: text('password_hash').notNull(),
  mustChangePassword: boolean('must_change_password').notNull().default(false),
  disabled: boolean('disabled').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * Sign-in attempts counted per user name (a keyed hash of it) and per address, before any password is
 * checked, in one window each: shared by every server and kept over restarts.
 */
export const loginAttempts = pgTable(
  'login_attempts',
  {
    key: text('key').primaryKey(),
    attempts: integer('attempts').notNull(),
    windowStartedAt: timestamp('window_started_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('login_attempts_window_idx').on(t.windowStartedAt)],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('api_tokens_user_id_idx').on(t.userId)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    actor: text('actor').notNull(),
    kind: text('kind').notNull(),
    target: text('target'),
    details: jsonb('details').notNull().default(sql`'{}'::jsonb`),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    /** The root key whose derived chain key made `hash` (an HMAC); null for records from before keying. */
    keyId: text('key_id'),
  },
  (t) => [
    index('audit_log_at_idx').on(t.at),
    index('audit_log_actor_idx').on(t.actor),
    index('audit_log_kind_idx').on(t.kind),
  ],
);

/** The newest audit record's number and hash, updated with each append: deleting the tail shows. */
export const auditHead = pgTable('audit_head', {
  id: integer('id').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
});

/** Envelope-encrypted values: ciphertext under a per-value data key, the data key wrapped by the root key. */
export const sealedSecrets = pgTable(
  'sealed_secrets',
  {
    id: text('id').notNull(),
    version: integer('version').notNull(),
    rootKeyId: text('root_key_id').notNull(),
    wrappedKey: text('wrapped_key').notNull(),
    nonce: text('nonce').notNull(),
    ciphertext: text('ciphertext').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.version] }),
    index('sealed_secrets_root_key_id_idx').on(t.rootKeyId),
  ],
);

export const managementServers = pgTable('management_servers', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  address: text('address').notNull(),
  version: text('version').notNull(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
  heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull(),
  stoppedAt: timestamp('stopped_at', { withTimezone: true }),
  /** The account pool-hosted workflows run as on this server when no profile association applies. */
  defaultActionAccountId: text('default_action_account_id'),
});

export const packs = pgTable('packs', {
  id: text('id').primaryKey(),
  version: text('version').notNull(),
  sealed: boolean('sealed').notNull(),
  builtIn: boolean('built_in').notNull().default(false),
  displayName: text('display_name').notNull(),
  description: text('description').notNull().default(''),
  format: text('format').notNull(),
  source: text('source').notNull(),
  skipped: jsonb('skipped').notNull().default(sql`'[]'::jsonb`),
  importedAt: timestamp('imported_at', { withTimezone: true }).notNull().defaultNow(),
  importedBy: text('imported_by').notNull(),
});

export const packReferences = pgTable(
  'pack_references',
  {
    packId: text('pack_id')
      .notNull()
      .references(() => packs.id, { onDelete: 'cascade' }),
    refPackId: text('ref_pack_id')
      .notNull()
      .references(() => packs.id),
    alias: text('alias').notNull(),
    minVersion: text('min_version').notNull(),
  },
  (t) => [primaryKey({ columns: [t.packId, t.refPackId] }), index('pack_references_ref_idx').on(t.refPackId)],
);

export const classes = pgTable(
  'classes',
  {
    id: text('id').primaryKey(),
    packId: text('pack_id').references(() => packs.id),
    baseClassId: text('base_class_id'),
    displayName: text('display_name').notNull(),
    description: text('description').notNull().default(''),
    abstract: boolean('abstract').notNull().default(false),
    hosted: boolean('hosted').notNull().default(false),
    keyProperties: jsonb('key_properties').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    properties: jsonb('properties')
      .$type<{ name: string; type: string }[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [index('classes_pack_id_idx').on(t.packId), index('classes_base_class_id_idx').on(t.baseClassId)],
);

export const relationships = pgTable(
  'relationships',
  {
    id: text('id').primaryKey(),
    packId: text('pack_id')
      .notNull()
      .references(() => packs.id),
    kind: text('kind').notNull(),
    sourceClassId: text('source_class_id').notNull(),
    targetClassId: text('target_class_id').notNull(),
  },
  (t) => [index('relationships_pack_id_idx').on(t.packId)],
);

/** Every monitored thing. Computers and pools are objects too: the hosting chain ends at one of them. */
export const objects = pgTable(
  'objects',
  {
    id: text('id').primaryKey(),
    classId: text('class_id')
      .notNull()
      .references(() => classes.id),
    name: text('name').notNull(),
    displayName: text('display_name').notNull(),
    properties: jsonb('properties').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    hostId: text('host_id'),
    /** The discovery and the object it ran for that found this object; null for objects made by people. */
    discoveryId: text('discovery_id'),
    discoverySourceId: text('discovery_source_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('objects_class_id_idx').on(t.classId),
    index('objects_discovery_idx').on(t.discoveryId, t.discoverySourceId),
    index('objects_host_id_idx').on(t.hostId),
    uniqueIndex('objects_host_name_idx').on(t.hostId, t.classId, t.name),
  ],
);

export const computers = pgTable(
  'computers',
  {
    id: text('id')
      .primaryKey()
      .references(() => objects.id, { onDelete: 'cascade' }),
    name: text('name').notNull().unique(),
    defaultActionAccountId: text('default_action_account_id'),
    registeredAt: timestamp('registered_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('computers_name_lower_idx').on(sql`lower(${t.name})`)],
);

export const pools = pgTable('pools', {
  id: text('id')
    .primaryKey()
    .references(() => objects.id, { onDelete: 'cascade' }),
  name: text('name').notNull().unique(),
  membership: text('membership').notNull(),
  builtIn: boolean('built_in').notNull().default(false),
});

export const poolMembers = pgTable(
  'pool_members',
  {
    poolId: text('pool_id')
      .notNull()
      .references(() => pools.id, { onDelete: 'cascade' }),
    serverId: text('server_id')
      .notNull()
      .references(() => managementServers.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.poolId, t.serverId] }), index('pool_members_server_idx').on(t.serverId)],
);

export const groups = pgTable(
  'groups',
  {
    id: text('id').primaryKey(),
    packId: text('pack_id').references(() => packs.id),
    displayName: text('display_name').notNull(),
    description: text('description').notNull().default(''),
    rules: jsonb('rules').$type<unknown[]>().notNull().default(sql`'[]'::jsonb`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('groups_pack_id_idx').on(t.packId)],
);

export const groupMembers = pgTable(
  'group_members',
  {
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    objectId: text('object_id')
      .notNull()
      .references(() => objects.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.objectId] }), index('group_members_object_idx').on(t.objectId)],
);

export const groupSubgroups = pgTable(
  'group_subgroups',
  {
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    memberGroupId: text('member_group_id')
      .notNull()
      .references(() => groups.id),
  },
  (t) => [
    primaryKey({ columns: [t.groupId, t.memberGroupId] }),
    index('group_subgroups_member_idx').on(t.memberGroupId),
  ],
);

export const profiles = pgTable(
  'profiles',
  {
    id: text('id').primaryKey(),
    packId: text('pack_id')
      .notNull()
      .references(() => packs.id),
    displayName: text('display_name').notNull(),
    description: text('description').notNull().default(''),
    contextClassId: text('context_class_id')
      .notNull()
      .references(() => classes.id),
    /** Who made the profile by hand in an unsealed pack; null when the pack declares it. */
    createdBy: text('created_by'),
    createdAt: createdAt(),
  },
  (t) => [
    index('profiles_pack_id_idx').on(t.packId),
    index('profiles_context_class_idx').on(t.contextClassId),
  ],
);

export const workflows = pgTable(
  'workflows',
  {
    id: text('id').primaryKey(),
    packId: text('pack_id')
      .notNull()
      .references(() => packs.id),
    kind: text('kind').notNull(),
    displayName: text('display_name').notNull(),
    targetClassId: text('target_class_id')
      .notNull()
      .references(() => classes.id),
    profileId: text('profile_id').references(() => profiles.id),
    action: jsonb('action').notNull(),
    schedule: jsonb('schedule'),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [
    index('workflows_pack_id_idx').on(t.packId),
    index('workflows_target_class_idx').on(t.targetClassId),
    index('workflows_profile_idx').on(t.profileId),
  ],
);

/** SCOM workflows and module types that run as a profile: not run by Steward, but counted (findings, distribution). */
export const profileUses = pgTable(
  'profile_uses',
  {
    packId: text('pack_id')
      .notNull()
      .references(() => packs.id, { onDelete: 'cascade' }),
    elementId: text('element_id').notNull(),
    elementKind: text('element_kind').notNull(),
    profileId: text('profile_id').notNull(),
    targetClassId: text('target_class_id'),
    path: text('path').notNull(),
    via: text('via'),
    how: text('how').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.packId, t.elementId, t.profileId, t.path] }),
    index('profile_uses_profile_idx').on(t.profileId),
  ],
);

/** Run As accounts: public fields here, the secret fields sealed in sealed_secrets under (id, version). */
export const accounts = pgTable(
  'accounts',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull().unique(),
    description: text('description').notNull(),
    type: text('type').notNull(),
    version: integer('version').notNull(),
    security: text('security').notNull(),
    /** Non-secret fields of the credential: user name, domain, protocols, certificate subject… */
    publicFields: jsonb('public_fields').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('accounts_type_idx').on(t.type)],
);

/** The approved list of a more-secure account: computers, management servers and pools. */
export const accountDistribution = pgTable(
  'account_distribution',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    targetId: text('target_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.targetId] }),
    index('account_distribution_target_idx').on(t.targetId),
  ],
);

/** Account ↔ profile associations with their scope; the scope target is not a foreign key (a deleted target is a finding). */
export const associations = pgTable(
  'associations',
  {
    id: text('id').primaryKey(),
    profileId: text('profile_id')
      .notNull()
      .references(() => profiles.id),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    scopeKind: text('scope_kind').notNull(),
    scopeId: text('scope_id'),
    enforced: boolean('enforced').notNull().default(false),
    ordinal: bigint('ordinal', { mode: 'number' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('associations_profile_idx').on(t.profileId),
    index('associations_account_idx').on(t.accountId),
    uniqueIndex('associations_unique_idx').on(t.profileId, t.accountId, t.scopeKind, t.scopeId),
  ],
);

/** Single-use agent enrollment tokens (stored hashed), each for one computer: registered already or to be registered. */
export const enrollmentTokens = pgTable(
  'enrollment_tokens',
  {
    id: text('id').primaryKey(),
    tokenHash: text('token_hash').notNull().unique(),
    /** The pre-registered computer the token enrolls, or null when `computer_name` is to be registered. */
    computerId: text('computer_id').references(() => computers.id, { onDelete: 'cascade' }),
    computerName: text('computer_name'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('enrollment_tokens_computer_idx').on(t.computerId)],
);

/**
 * One agent per computer: its id is the computer's id (`cmp_…`). A pending agent's computer may not be
 * registered yet; approval registers it under that id. Its pages are kept half empty (fillfactor 50, migration
 * 0035): a last contact rewrites the row in place.
 */
export const agents = pgTable(
  'agents',
  {
    id: text('id').primaryKey(),
    computerName: text('computer_name').notNull(),
    /** Ed25519 public key, SPKI DER base64url: verifies the agent's assertions. */
    signingPublicKey: text('signing_public_key').notNull(),
    /** X25519 public key, SPKI DER base64url: credentials are sealed to it. */
    sealingPublicKey: text('sealing_public_key').notNull(),
    status: text('status').notNull(),
    enrolledAt: timestamp('enrolled_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    /** The operating system the agent reported when it enrolled (windows, linux, unix, other), if it did. */
    platform: text('platform'),
  },
  (t) => [
    index('agents_status_idx').on(t.status),
    index('agents_computer_name_lower_idx').on(sql`lower(${t.computerName})`),
  ],
);

/** Ids of agent assertions already used, kept until they expire: a replayed assertion is refused. */
export const assertionReplays = pgTable(
  'assertion_replays',
  {
    jti: text('jti').primaryKey(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('assertion_replays_expires_idx').on(t.expiresAt)],
);

/**
 * Alerts raised by monitors and rules, by Steward itself or through the API. Resolution state 0 is New,
 * 255 Closed, 1–254 custom. `source_object_id` and `workflow_id` carry no foreign key: an alert is history
 * and outlives the object, health service or pack it was about. `custom` holds Custom1..Custom10 under the
 * keys "1".."10". At most one open alert per `dedupe_key`: raising it again increments `repeat_count`.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    severity: text('severity').notNull(),
    priority: text('priority').notNull(),
    resolutionState: integer('resolution_state').notNull().default(0),
    sourceObjectId: text('source_object_id'),
    sourceKind: text('source_kind').notNull(),
    workflowId: text('workflow_id'),
    category: text('category'),
    owner: text('owner'),
    ticketId: text('ticket_id'),
    custom: jsonb('custom').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    repeatCount: integer('repeat_count').notNull().default(0),
    dedupeKey: text('dedupe_key'),
    timeRaised: timestamp('time_raised', { withTimezone: true }).notNull().defaultNow(),
    timeResolved: timestamp('time_resolved', { withTimezone: true }),
    lastModified: timestamp('last_modified', { withTimezone: true }).notNull().defaultNow(),
    lastModifiedBy: text('last_modified_by').notNull(),
    resolvedBy: text('resolved_by'),
  },
  (t) => [
    uniqueIndex('alerts_open_dedupe_key_idx')
      .on(t.dedupeKey)
      .where(sql`${t.resolutionState} <> 255 AND ${t.dedupeKey} IS NOT NULL`),
    index('alerts_state_raised_idx').on(t.resolutionState, t.timeRaised, t.id),
    index('alerts_source_object_idx').on(t.sourceObjectId),
    index('alerts_raised_idx').on(t.timeRaised, t.id),
  ],
);

/**
 * The latest run result of each (agent, workflow, object). No foreign key to workflows or objects: a result
 * is history and may outlive them. `not_run_since` is when the current streak of
 * `not-run-credentials-not-found` reports began (R22's grace period counts from it); null otherwise.
 */
export const workflowResults = pgTable(
  'workflow_results',
  {
    /** The runner: an agent (its computer id) or a pool whose member server ran the workflow. */
    agentId: text('agent_id').notNull(),
    workflowId: text('workflow_id').notNull(),
    objectId: text('object_id').notNull(),
    outcome: text('outcome').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    exitCode: integer('exit_code'),
    timedOut: boolean('timed_out').notNull(),
    accountId: text('account_id'),
    accountVersion: integer('account_version'),
    stdout: text('stdout').notNull(),
    stderr: text('stderr').notNull(),
    reportedAt: timestamp('reported_at', { withTimezone: true }).notNull().defaultNow(),
    notRunSince: timestamp('not_run_since', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.agentId, t.workflowId, t.objectId] }),
    index('workflow_results_object_idx').on(t.objectId),
    index('workflow_results_workflow_idx').on(t.workflowId),
  ],
);

/**
 * The health state each monitor last set for each object (healthy, warning, critical). A change to warning or
 * critical raises an alert; a return to healthy resolves it.
 */
export const healthStates = pgTable(
  'health_states',
  {
    monitorId: text('monitor_id').notNull(),
    objectId: text('object_id').notNull(),
    runnerId: text('runner_id').notNull(),
    state: text('state').notNull(),
    message: text('message').notNull().default(''),
    since: timestamp('since', { withTimezone: true }).notNull(),
    checkedAt: timestamp('checked_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.monitorId, t.objectId] }),
    index('health_states_object_idx').on(t.objectId),
  ],
);

/**
 * On-demand task runs: requested by a person, claimed by the runner of the object (an agent, or the pool
 * member server that holds the pool's lease), finished with exit code and output.
 */
export const taskRuns = pgTable(
  'task_runs',
  {
    id: text('id').primaryKey(),
    taskId: text('task_id').notNull(),
    objectId: text('object_id').notNull(),
    runnerId: text('runner_id').notNull(),
    status: text('status').notNull(),
    requestedBy: text('requested_by').notNull(),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    timeoutSeconds: integer('timeout_seconds').notNull(),
    exitCode: integer('exit_code'),
    timedOut: boolean('timed_out').notNull().default(false),
    accountId: text('account_id'),
    accountVersion: integer('account_version'),
    stdout: text('stdout').notNull().default(''),
    stderr: text('stderr').notNull().default(''),
  },
  (t) => [index('task_runs_runner_status_idx').on(t.runnerId, t.status)],
);

/** Which member server runs a pool's workflows: held while renewed, taken over by another member once expired. */
export const poolLeases = pgTable('pool_leases', {
  poolId: text('pool_id')
    .primaryKey()
    .references(() => pools.id, { onDelete: 'cascade' }),
  serverId: text('server_id').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

/**
 * Notification channels (administrators only, R34): how a message goes out — e-mail, IM, SMS, Teams or a
 * command. `settings` holds the kind's settings (never a secret); `profile_id` the Run As profile whose
 * account the channel signs in with (the Notification Account profile unless another is chosen, R37).
 */
export const notificationChannels = pgTable('notification_channels', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  kind: text('kind').notNull(),
  enabled: boolean('enabled').notNull().default(true),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull(),
  profileId: text('profile_id'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Subscribers: a schedule and addresses (each of a channel kind, with its own schedule) (R42). */
export const notificationSubscribers = pgTable('notification_subscribers', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  schedule: jsonb('schedule').$type<unknown[]>().notNull().default(sql`'[]'::jsonb`),
  addresses: jsonb('addresses').$type<unknown[]>().notNull().default(sql`'[]'::jsonb`),
  /** The user who made it: besides administrators, only they change it (R34). Null: made before owners. */
  createdBy: text('created_by'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Subscriptions: criteria (AND), To/Cc/Bcc subscribers, channels, delay and resolution-only (R43–R45). */
export const notificationSubscriptions = pgTable('notification_subscriptions', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  enabled: boolean('enabled').notNull().default(true),
  criteria: jsonb('criteria').$type<Record<string, unknown>>().notNull(),
  recipients: jsonb('recipients').$type<{ to: string[]; cc: string[]; bcc: string[] }>().notNull(),
  channelIds: jsonb('channel_ids').$type<string[]>().notNull(),
  delaySeconds: integer('delay_seconds').notNull().default(0),
  onlyOnResolutionChange: boolean('only_on_resolution_change').notNull().default(false),
  /** The user who made it: besides administrators, only they change it (R34). Null: made before owners. */
  createdBy: text('created_by'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * Each change of an alert as it was: the alert's row right after the change, keyed by the audit seq of the
 * change and written in the same transaction, so notifications of a backlog render every state in turn.
 */
export const alertSnapshots = pgTable(
  'alert_snapshots',
  {
    changeSeq: bigint('change_seq', { mode: 'number' }).primaryKey(),
    alertId: text('alert_id')
      .notNull()
      .references(() => alerts.id, { onDelete: 'cascade' }),
    /** The alert's row, its times as ISO 8601 strings. */
    alert: jsonb('alert').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index('alert_snapshots_alert_idx').on(t.alertId, t.changeSeq)],
);

/** What the notifier remembers per (subscription, alert) between changes: the delay's clock (R45). */
export const notificationMatchStates = pgTable(
  'notification_match_states',
  {
    subscriptionId: text('subscription_id').notNull(),
    alertId: text('alert_id').notNull(),
    matchingSince: timestamp('matching_since', { withTimezone: true }),
    pending: text('pending'),
    /** The change the pending notification is for: with the subscription and address, what makes it once. */
    pendingSeq: bigint('pending_seq', { mode: 'number' }),
    dueAt: timestamp('due_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.subscriptionId, t.alertId] }),
    index('notification_match_states_due_idx').on(t.dueAt),
    // Every change of an alert reads what each subscription remembers of it.
    index('notification_match_states_alert_idx').on(t.alertId),
  ],
);

/**
 * The notification outbox: one row per (alert change, channel, address), however many subscriptions reach that
 * address (`sources` lists them), so each is delivered at most once. Rows from before that rule have no
 * `sources`: one row per (alert change, subscription, channel, address). Claimed with SKIP LOCKED (`claimed`), marked `sending` just before the attempt; retried with
 * backoff; `dead` after the last try; `unknown` when the server sending it stopped mid-send (never sent
 * twice); a claimed one whose server stopped before trying goes back to `pending`.
 */
export const notificationDeliveries = pgTable(
  'notification_deliveries',
  {
    id: text('id').primaryKey(),
    alertId: text('alert_id').notNull(),
    changeSeq: bigint('change_seq', { mode: 'number' }).notNull(),
    reason: text('reason').notNull(),
    subscriptionId: text('subscription_id').notNull(),
    channelId: text('channel_id').notNull(),
    subscriberId: text('subscriber_id').notNull(),
    address: text('address').notNull(),
    role: text('role').notNull(),
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    claimedBy: text('claimed_by'),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    lastError: text('last_error'),
    detail: text('detail'),
    createdAt: createdAt(),
    /**
     * The subscriptions this message serves, first the one in `subscription_id`: one message per address and
     * change. Null on rows made before messages were shared.
     */
    sources: jsonb('sources').$type<DeliverySourceJson[]>(),
    /** The change whose recorded alert state the message shows; null: the alert as it is when sent. */
    alertSeq: bigint('alert_seq', { mode: 'number' }),
  },
  (t) => [
    // Two servers deciding the same change at once make one message per address: the second insert is a no-op.
    uniqueIndex('notification_deliveries_address_once_idx')
      .on(t.alertId, t.changeSeq, t.channelId, t.address)
      .where(sql`${t.sources} IS NOT NULL`),
    uniqueIndex('notification_deliveries_once_idx').on(
      t.changeSeq,
      t.subscriptionId,
      t.channelId,
      t.subscriberId,
      t.address,
    ),
    index('notification_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    // The waiting ones in the order they are claimed (migration 0034).
    index('notification_deliveries_waiting_idx')
      .on(t.nextAttemptAt, t.changeSeq, t.id)
      .where(sql`${t.status} IN ('pending', 'retry')`),
    index('notification_deliveries_alert_idx').on(t.alertId),
    // A paused channel's probe takes its oldest waiting delivery.
    index('notification_deliveries_channel_idx').on(t.channelId, t.status, t.createdAt),
  ],
);

/**
 * Channels that are paused (a circuit breaker): every server or gateway failed, or the account is missing.
 * Their deliveries wait as `pending`; one is tried as a probe at `next_probe_at`, at growing intervals, and
 * the first that goes through resumes the channel (the row is deleted). No row: the channel is healthy.
 */
export const notificationChannelHealth = pgTable('notification_channel_health', {
  channelId: text('channel_id')
    .primaryKey()
    .references(() => notificationChannels.id, { onDelete: 'cascade' }),
  /** `unreachable` (no server or gateway took the message) or `account` (missing or not distributed). */
  cause: text('cause').notNull(),
  reason: text('reason').notNull(),
  pausedAt: timestamp('paused_at', { withTimezone: true }).notNull(),
  failedProbes: integer('failed_probes').notNull().default(0),
  nextProbeAt: timestamp('next_probe_at', { withTimezone: true }).notNull(),
});

/** How far the notifier has read the alert changes in the audit log. */
export const notifierCursor = pgTable('notifier_cursor', {
  id: text('id').primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
});

/** Automation accounts (Azure Automation's): runbooks and assets hang off one; limits apply to its jobs. */
export const automationAccounts = pgTable('automation_accounts', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  description: text('description').notNull(),
  disableLocalAuth: boolean('disable_local_auth').notNull().default(false),
  maxConcurrentJobs: integer('max_concurrent_jobs').notNull().default(10),
  maxNewJobsPer30s: integer('max_new_jobs_per_30s').notNull().default(100),
  fairShareSeconds: integer('fair_share_seconds').notNull().default(10800),
  jobRetentionDays: integer('job_retention_days').notNull().default(30),
  /** The system-assigned identity's principal and client ids; null while it is off (R54). */
  systemPrincipalId: text('system_principal_id'),
  systemClientId: text('system_client_id'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** A runbook's draft lives in its row; every published version is a row of runbook_versions. */
export const runbooks = pgTable(
  'runbooks',
  {
    id: text('id').primaryKey(),
    automationAccountId: text('automation_account_id')
      .notNull()
      .references(() => automationAccounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    type: text('type').notNull(),
    description: text('description').notNull(),
    draftContent: text('draft_content').notNull(),
    draftParameters: jsonb('draft_parameters').$type<unknown[]>().notNull().default(sql`'[]'::jsonb`),
    draftUpdatedAt: timestamp('draft_updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** The version jobs run: the newest published one; null until the first publish. */
    publishedVersion: integer('published_version'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('runbooks_account_name_idx').on(t.automationAccountId, t.name)],
);

/** Published versions of a runbook, kept as history: content and parameter declarations as they were. */
export const runbookVersions = pgTable(
  'runbook_versions',
  {
    runbookId: text('runbook_id')
      .notNull()
      .references(() => runbooks.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    content: text('content').notNull(),
    parameters: jsonb('parameters').$type<unknown[]>().notNull().default(sql`'[]'::jsonb`),
    /** Set when this version was made by rolling back to an earlier one. */
    rolledBackFrom: integer('rolled_back_from'),
    publishedBy: text('published_by').notNull(),
    publishedAt: timestamp('published_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runbookId, t.version] })],
);

/** Connection types of an account: the built-in ones (made with the account) and user-defined ones. */
export const automationConnectionTypes = pgTable(
  'automation_connection_types',
  {
    id: text('id').primaryKey(),
    automationAccountId: text('automation_account_id')
      .notNull()
      .references(() => automationAccounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull(),
    builtIn: boolean('built_in').notNull().default(false),
    fields: jsonb('fields').$type<unknown[]>().notNull().default(sql`'[]'::jsonb`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('automation_connection_types_account_name_idx').on(t.automationAccountId, t.name)],
);

/**
 * Variables, credentials, connections and certificates of an account. What may be shown is in
 * public_fields; secret parts (encrypted values, passwords, private keys) are sealed in sealed_secrets
 * under (id, version).
 */
export const automationAssets = pgTable(
  'automation_assets',
  {
    id: text('id').primaryKey(),
    automationAccountId: text('automation_account_id')
      .notNull()
      .references(() => automationAccounts.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull(),
    encrypted: boolean('encrypted').notNull().default(false),
    publicFields: jsonb('public_fields').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    connectionTypeId: text('connection_type_id').references(() => automationConnectionTypes.id),
    version: integer('version').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('automation_assets_account_kind_name_idx').on(t.automationAccountId, t.kind, t.name),
    index('automation_assets_connection_type_idx').on(t.connectionTypeId),
  ],
);

/**
 * Jobs: one run of a runbook, in the cloud (the Automation Pool member that holds its lease) or on a hybrid
 * worker group. The content and version run are copied in, so the job says what it ran whatever happens to
 * the runbook later. Values of parameters declared secret are sealed under the job id, never kept here.
 */
export const automationJobs = pgTable(
  'automation_jobs',
  {
    id: text('id').primaryKey(),
    automationAccountId: text('automation_account_id')
      .notNull()
      .references(() => automationAccounts.id, { onDelete: 'cascade' }),
    runbookId: text('runbook_id').references(() => runbooks.id, { onDelete: 'set null' }),
    runbookName: text('runbook_name').notNull(),
    runbookType: text('runbook_type').notNull(),
    /** The published version number, or `draft` for a test run. */
    runbookVersion: text('runbook_version').notNull(),
    content: text('content').notNull(),
    isTest: boolean('is_test').notNull().default(false),
    /** `cloud`, or the id of a hybrid worker group. */
    runOn: text('run_on').notNull(),
    /** Values of the parameters not declared secret. */
    parameters: jsonb('parameters').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    /** Names of the parameters whose values are sealed. */
    secretParameters: jsonb('secret_parameters').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    startedBy: text('started_by').notNull(),
    /** `api`, `schedule` or `webhook`. */
    source: text('source').notNull(),
    status: text('status').notNull(),
    statusReason: text('status_reason'),
    restarts: integer('restarts').notNull().default(0),
    stopRequested: boolean('stop_requested').notNull().default(false),
    claimedBy: text('claimed_by'),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }),
    exitCode: integer('exit_code'),
    exception: text('exception'),
    streamBytes: integer('stream_bytes').notNull().default(0),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [
    index('automation_jobs_account_idx').on(t.automationAccountId, t.createdAt),
    index('automation_jobs_runbook_idx').on(t.runbookId),
    index('automation_jobs_status_idx').on(t.status, t.runOn, t.createdAt),
    index('automation_jobs_claimed_by_idx').on(t.claimedBy, t.status),
  ],
);

/** A job's streams: output, error, warning, verbose and progress records, numbered in the order written. */
export const automationJobStreams = pgTable(
  'automation_job_streams',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => automationJobs.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    stream: text('stream').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    text: text('text').notNull(),
  },
  (t) => [primaryKey({ name: 'automation_job_streams_pk', columns: [t.jobId, t.seq] })],
);

/**
 * Schedules of an account (Azure Automation's recurrences, or a cron expression). next_run_at is the firing
 * to come: a firing is claimed by moving it on, in the transaction that starts the jobs of its links, so
 * only one server fires it.
 */
export const automationSchedules = pgTable(
  'automation_schedules',
  {
    id: text('id').primaryKey(),
    automationAccountId: text('automation_account_id')
      .notNull()
      .references(() => automationAccounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull(),
    /** `onetime`, `hour`, `day`, `week`, `month` or `cron`. */
    frequency: text('frequency').notNull(),
    interval: integer('interval').notNull().default(1),
    startTime: timestamp('start_time', { withTimezone: true }).notNull(),
    expiryTime: timestamp('expiry_time', { withTimezone: true }),
    timeZone: text('time_zone').notNull(),
    weekDays: jsonb('week_days').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    monthDays: jsonb('month_days').$type<number[]>().notNull().default(sql`'[]'::jsonb`),
    monthlyOccurrences: jsonb('monthly_occurrences')
      .$type<{ day: string; occurrence: number }[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    cron: text('cron'),
    enabled: boolean('enabled').notNull().default(true),
    /** The next firing; null when disabled or when it will not run again. */
    nextRunAt: timestamp('next_run_at', { withTimezone: true }),
    lastRunAt: timestamp('last_run_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('automation_schedules_account_name_idx').on(t.automationAccountId, t.name),
    index('automation_schedules_due_idx').on(t.nextRunAt).where(sql`"enabled"`),
  ],
);

/** A runbook a schedule starts, with the parameter values and the run-on target of its jobs. */
export const automationScheduleLinks = pgTable(
  'automation_schedule_links',
  {
    scheduleId: text('schedule_id')
      .notNull()
      .references(() => automationSchedules.id, { onDelete: 'cascade' }),
    runbookId: text('runbook_id')
      .notNull()
      .references(() => runbooks.id, { onDelete: 'cascade' }),
    parameters: jsonb('parameters').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    runOn: text('run_on').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'automation_schedule_links_pk', columns: [t.scheduleId, t.runbookId] }),
    index('automation_schedule_links_runbook_idx').on(t.runbookId),
  ],
);

/** Webhooks: a secret URL that starts a runbook. Only the SHA-256 of the token in the URL is kept. */
export const automationWebhooks = pgTable(
  'automation_webhooks',
  {
    id: text('id').primaryKey(),
    automationAccountId: text('automation_account_id')
      .notNull()
      .references(() => automationAccounts.id, { onDelete: 'cascade' }),
    runbookId: text('runbook_id')
      .notNull()
      .references(() => runbooks.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull(),
    /** SHA-256 (hex) of the token; the token itself is shown once, at creation. */
    tokenHash: text('token_hash').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    parameters: jsonb('parameters').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    runOn: text('run_on').notNull(),
    createdBy: text('created_by').notNull(),
    lastInvokedAt: timestamp('last_invoked_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('automation_webhooks_account_name_idx').on(t.automationAccountId, t.name),
    uniqueIndex('automation_webhooks_token_hash_idx').on(t.tokenHash),
    index('automation_webhooks_runbook_idx').on(t.runbookId),
  ],
);

/** Settings of the management group kept once, such as its tenant id (the `tid` of identity tokens). */
export const stewardSettings = pgTable('steward_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').$type<unknown>().notNull(),
});

/** User-assigned identities: standalone principals, attachable to any number of automation accounts (R55). */
export const userAssignedIdentities = pgTable('user_assigned_identities', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  description: text('description').notNull(),
  clientId: text('client_id').notNull().unique(),
  principalId: text('principal_id').notNull().unique(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Which user-assigned identities an automation account has; detaching deletes the row, never the identity. */
export const automationAccountIdentities = pgTable(
  'automation_account_identities',
  {
    automationAccountId: text('automation_account_id')
      .notNull()
      .references(() => automationAccounts.id, { onDelete: 'cascade' }),
    identityId: text('identity_id')
      .notNull()
      .references(() => userAssignedIdentities.id, { onDelete: 'cascade' }),
    attachedAt: timestamp('attached_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'automation_account_identities_pk', columns: [t.automationAccountId, t.identityId] }),
    index('automation_account_identities_identity_idx').on(t.identityId),
  ],
);

/**
 * Hybrid worker groups: named sets of agents of the management group that run jobs (`run_on` = the group id).
 * The optional Run As account is one of the SCOM half; jobs run with it only on agents it is distributed to.
 */
export const hybridWorkerGroups = pgTable(
  'hybrid_worker_groups',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull().unique(),
    description: text('description').notNull(),
    runAsAccountId: text('run_as_account_id').references(() => accounts.id),
    /** Every agent of the group has its computer's identity at its metadata endpoint (R64). */
    computerIdentity: boolean('computer_identity').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('hybrid_worker_groups_run_as_idx').on(t.runAsAccountId)],
);

/** The agents of a hybrid worker group; an agent may belong to several groups. */
export const hybridWorkerGroupAgents = pgTable(
  'hybrid_worker_group_agents',
  {
    groupId: text('group_id')
      .notNull()
      .references(() => hybridWorkerGroups.id, { onDelete: 'cascade' }),
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    addedBy: text('added_by').notNull(),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'hybrid_worker_group_agents_pk', columns: [t.groupId, t.agentId] }),
    index('hybrid_worker_group_agents_agent_idx').on(t.agentId),
  ],
);

/**
 * Keys that sign identity tokens. The private JWK is sealed in sealed_secrets under the kid (so root-key
 * rotation re-wraps it); a key signs from `signs_from`
 * (published before then) and stays in the JWKS until every token it signed has expired.
 */
export const tokenSigningKeys = pgTable('token_signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  publicJwk: jsonb('public_jwk').$type<Record<string, unknown>>().notNull(),
  signsFrom: timestamp('signs_from', { withTimezone: true }).notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt(),
});

/**
 * Role assignments: an identity's principal holds a resource role at a scope path (domain/resource-roles.ts).
 * Removed with the identity (a user-assigned one deleted, an account's system identity removed or its account
 * deleted) and with the automation account they are scoped beneath.
 */
export const roleAssignments = pgTable(
  'role_assignments',
  {
    id: text('id').primaryKey(),
    principalId: text('principal_id').notNull(),
    principalType: text('principal_type')
      .$type<'SystemAssigned' | 'UserAssigned' | 'ServicePrincipal'>()
      .notNull(),
    /** The identity's resource: the automation account (system identity) or the uami_…. */
    identityId: text('identity_id').notNull(),
    role: text('role').notNull(),
    scope: text('scope').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    unique('role_assignments_unique').on(t.principalId, t.role, t.scope),
    index('role_assignments_identity_idx').on(t.identityId),
    index('role_assignments_scope_idx').on(t.scope),
  ],
);

/**
 * Applications (Entra app registrations): an `appId` a client signs in with, an application object id, and the
 * automation account whose legacy Run As account made it (deleted with it).
 */
export const applications = pgTable(
  'applications',
  {
    appId: text('app_id').primaryKey(),
    objectId: text('object_id').notNull().unique(),
    displayName: text('display_name').notNull(),
    automationAccountId: text('automation_account_id').references(() => automationAccounts.id, {
      onDelete: 'cascade',
    }),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('applications_automation_account_idx').on(t.automationAccountId)],
);

/** The service principal of an application: the principal id its tokens carry, and that roles are assigned to. */
export const servicePrincipals = pgTable('service_principals', {
  id: text('id').primaryKey(),
  appId: text('app_id')
    .notNull()
    .unique()
    .references(() => applications.appId, { onDelete: 'cascade' }),
  displayName: text('display_name').notNull(),
  createdAt: createdAt(),
});

/** Certificate credentials of an application (public parts only): each signs in until its own expiry (R50). */
export const applicationCertificates = pgTable(
  'application_certificates',
  {
    appId: text('app_id')
      .notNull()
      .references(() => applications.appId, { onDelete: 'cascade' }),
    /** SHA-1, upper-case hex, as Azure shows it. */
    thumbprint: text('thumbprint').notNull(),
    thumbprintSha256: text('thumbprint_sha256').notNull(),
    certificatePem: text('certificate_pem').notNull(),
    notBefore: timestamp('not_before', { withTimezone: true }).notNull(),
    notAfter: timestamp('not_after', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'application_certificates_pk', columns: [t.appId, t.thumbprint] }),
    index('application_certificates_sha256_idx').on(t.thumbprintSha256),
  ],
);

/**
 * A computer's own identity, served by its agent's metadata endpoint (R64): made the first time it is turned
 * on, for the computer (`enabled`) or for a worker group it belongs to, and kept (the same principal) when it
 * is turned off and on again; deleted with the agent.
 */
export const computerIdentities = pgTable('computer_identities', {
  agentId: text('agent_id')
    .primaryKey()
    .references(() => agents.id, { onDelete: 'cascade' }),
  principalId: text('principal_id').notNull().unique(),
  clientId: text('client_id').notNull().unique(),
  enabled: boolean('enabled').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * The legacy certificate Run As account of an automation account (R48): which application and principal it
 * made. The app and principal ids carry no foreign key, so a missing one shows as Incomplete (R51).
 */
export const runAsAccounts = pgTable(
  'run_as_accounts',
  {
    automationAccountId: text('automation_account_id')
      .primaryKey()
      .references(() => automationAccounts.id, { onDelete: 'cascade' }),
    appId: text('app_id').notNull(),
    servicePrincipalId: text('service_principal_id').notNull(),
    /** `self-signed` or `enterprise-ca` (uploaded, R49). */
    certificateSource: text('certificate_source').notNull(),
    validityMonths: integer('validity_months'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    renewedAt: timestamp('renewed_at', { withTimezone: true }),
    /** Set while a migration off it runs (one at a time per account); cleared when it ends. */
    migrationStartedAt: timestamp('migration_started_at', { withTimezone: true }),
  },
  (t) => [index('run_as_accounts_app_idx').on(t.appId)],
);

/**
 * Policy assignments (R67, Q16): a built-in definition (domain/policy) in force at a scope path with an effect
 * and its parameters. Removed with the automation account they are scoped at.
 */
export const policyAssignments = pgTable(
  'policy_assignments',
  {
    id: text('id').primaryKey(),
    definitionId: text('definition_id').notNull(),
    scope: text('scope').notNull(),
    effect: text('effect').$type<'Deny' | 'Audit' | 'Disabled'>().notNull(),
    parameters: jsonb('parameters').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    unique('policy_assignments_unique').on(t.definitionId, t.scope),
    index('policy_assignments_scope_idx').on(t.scope),
  ],
);
