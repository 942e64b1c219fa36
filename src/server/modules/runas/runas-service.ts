// Legacy certificate Run As accounts (R48–R51): creating one makes, in one transaction, an application with its
// service principal, a certificate credential, a Contributor role assignment of the principal at the automation
// account's scope, and the AzureRunAsCertificate and AzureRunAsConnection assets. Renewal adds a certificate (the
// old one signs in until its own expiry, R50); deletion removes the application (so no certificate of it signs in
// any more), the principal's role assignments and both assets, and keeps the automation account.
import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import type { z } from 'zod';
import { newId } from '../../../contract/ids.js';
import {
  type createRunAsBody,
  DEFAULT_DELETE_JOB_DAYS,
  RUN_AS_CERTIFICATE_ASSET,
  RUN_AS_CONNECTION_ASSET,
  type RunAsAccount,
  type renewRunAsBody,
} from '../../../contract/runas.js';
import { runAsStatus } from '../../../domain/automation/runas-account.js';
import { scopePath } from '../../../domain/resource-roles.js';
import type { Db, Tx } from '../../../store/db.js';
import { AppError } from '../../errors.js';
import { iso, isoOrNull } from '../../http.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import type { AssetsService } from '../automation/assets-service.js';
import * as automationRepo from '../automation/automation-repo.js';
import { mustFindAccount } from '../automation/automation-shared.js';
import type { CertificateUpload } from '../automation/certificate-assets.js';
import { tenantId } from '../identity/identity-repo.js';
import type { PolicyEnforcer } from '../policy/policy-enforcer.js';
import {
  assignmentsOf,
  deleteAssignmentsOfIdentity,
  insertRoleAssignment,
} from '../roles/role-assignments-repo.js';
import { certificateFor } from './runas-certificate.js';
import * as repo from './runas-repo.js';
import type { RunAsUsageService } from './runas-usage-service.js';

export type RunAsService = ReturnType<typeof createRunAsService>;

export interface RunAsServiceDeps {
  db: Db;
  assets: Pick<AssetsService, 'inTransaction'>;
  usage: RunAsUsageService;
  /**
   * Judges creation and renewal in their transaction (R67, Q8, Q16): a Deny (such as "No new certificate Run As
   * accounts") refuses them, an Audit records them; without one, nothing is judged.
   */
  policy?: PolicyEnforcer;
  now?: () => Date;
}

const notFoundRunAs = (accountId: string) =>
  new AppError('NOT_FOUND', `Automation account '${accountId}' has no Run As account.`);

export function createRunAsService(d: RunAsServiceDeps) {
  const { db } = d;
  const now = d.now ?? (() => new Date());

  /** The certificate and connection assets written for the application and its current certificate. */
  async function writeAssets(
    tx: Tx,
    actor: string,
    accountId: string,
    appId: string,
    upload: CertificateUpload,
    subscriptionId: string,
    tenant: string,
  ) {
    await d.assets.inTransaction.setCertificate(
      tx,
      actor,
      accountId,
      RUN_AS_CERTIFICATE_ASSET,
      upload,
      'The certificate of the legacy Run As account (exportable to jobs only).',
    );
    await d.assets.inTransaction.setConnection(tx, actor, accountId, RUN_AS_CONNECTION_ASSET, {
      connectionType: 'AzureServicePrincipal',
      description: 'The connection of the legacy Run As account.',
      fieldValues: {
        ApplicationId: appId,
        TenantId: tenant,
        CertificateThumbprint: upload.publicFields.thumbprint,
        SubscriptionId: subscriptionId,
      },
    });
  }

  const certificateRow = (appId: string, upload: CertificateUpload) => ({
    appId,
    thumbprint: upload.publicFields.thumbprint,
    thumbprintSha256: upload.publicFields.thumbprintSha256,
    certificatePem: upload.publicFields.certificatePem,
    notBefore: new Date(upload.publicFields.notBefore),
    notAfter: upload.expiresAt,
  });

  const certificateFacts = (f: Record<string, unknown>) => ({
    thumbprint: String(f.thumbprint),
    thumbprintSha256: String(f.thumbprintSha256),
    subject: String(f.subject),
    issuer: String(f.issuer),
    notBefore: String(f.notBefore),
    expiresAt: String(f.notAfter),
  });

  async function describe(row: repo.RunAsRow): Promise<RunAsAccount> {
    const account = await mustFindAccount(db, row.automationAccountId);
    const at = now();
    const [app, sp, certs, certAsset, connAsset, tenant, assignments] = await Promise.all([
      repo.findApplication(db, row.appId),
      repo.findServicePrincipalOfApp(db, row.appId),
      repo.liveApplicationCertificates(db, row.appId, at),
      automationRepo.findAsset(db, account.id, 'certificate', RUN_AS_CERTIFICATE_ASSET),
      automationRepo.findAsset(db, account.id, 'connection', RUN_AS_CONNECTION_ASSET),
      tenantId(db),
      assignmentsOf(db, row.servicePrincipalId),
    ]);
    const connectionFields = (connAsset?.publicFields.fieldValues ?? {}) as Record<string, unknown>;
    const status = runAsStatus({
      appId: row.appId,
      application: app,
      servicePrincipal: sp && { id: sp.id },
      applicationThumbprints: certs.map((c) => c.thumbprint),
      certificateAsset: certAsset && { thumbprint: String(certAsset.publicFields.thumbprint) },
      connectionAsset: connAsset && { fields: connectionFields },
      roleAssignments: assignments.length,
    });
    return {
      automationAccountId: account.id,
      automationAccountName: account.name,
      type: 'AzureRunAsAccount',
      legacy: true,
      displayName: app?.displayName ?? sp?.displayName ?? '',
      applicationId: row.appId,
      servicePrincipalId: row.servicePrincipalId,
      tenantId: tenant,
      subscriptionId: connAsset ? String(connectionFields.SubscriptionId ?? '') || null : null,
      certificateSource: row.certificateSource as 'self-signed' | 'enterprise-ca',
      certificateAssetName: RUN_AS_CERTIFICATE_ASSET,
      connectionAssetName: RUN_AS_CONNECTION_ASSET,
      certificate: certAsset ? certificateFacts(certAsset.publicFields) : null,
      acceptedCertificates: certs.map((c) => {
        const x = new X509Certificate(c.certificatePem);
        return {
          thumbprint: c.thumbprint,
          thumbprintSha256: c.thumbprintSha256,
          subject: x.subject.replace(/\n/g, ', '),
          issuer: x.issuer.replace(/\n/g, ', '),
          notBefore: iso(c.notBefore),
          expiresAt: iso(c.notAfter),
        };
      }),
      status: status.status,
      statusReasons: status.reasons,
      createdAt: iso(row.createdAt),
      renewedAt: isoOrNull(row.renewedAt),
      roleAssignments: assignments.map((a) => ({ role: a.role, scope: a.scope })),
      advisory: await d.usage.advisoryFor(account, certAsset?.expiresAt ?? undefined),
    };
  }

  async function mustFindRunAs(tx: Db | Tx, accountId: string) {
    const row = await repo.findRunAs(tx, accountId);
    if (!row) throw notFoundRunAs(accountId);
    return row;
  }

  return {
    describe,

    async get(accountId: string) {
      await mustFindAccount(db, accountId);
      return describe(await mustFindRunAs(db, accountId));
    },

    async list() {
      return Promise.all((await repo.listRunAs(db)).map(describe));
    },

    async create(p: Principal, accountId: string, body: z.infer<typeof createRunAsBody>) {
      const account = await mustFindAccount(db, accountId);
      if (await repo.findRunAs(db, accountId))
        throw new AppError(
          'ALREADY_EXISTS',
          `Automation account '${account.name}' already has a Run As account: renew it, or delete it first.`,
        );
      const displayName = `${account.name}_${randomBytes(16).toString('base64url')}`;
      const { upload, source, months } = await certificateFor(body, displayName, now());
      const actor = actorOf(p);
      const appId = randomUUID();
      const row = await db.transaction(async (tx) => {
        await mustFindAccount(tx, accountId);
        if (await repo.findRunAs(tx, accountId))
          throw new AppError('CONFLICT', 'Another request created a Run As account at the same time.');
        const before = await d.policy?.before(tx, accountId);
        const tenant = await tenantId(tx);
        await repo.insertApplication(tx, {
          appId,
          objectId: randomUUID(),
          displayName,
          automationAccountId: accountId,
          createdBy: actor,
        });
        const sp = await repo.insertServicePrincipal(tx, { id: randomUUID(), appId, displayName });
        await repo.insertApplicationCertificate(tx, certificateRow(appId, upload));
        // Contributor at the automation account (R48's default role, scoped to what Steward holds).
        const assignment = await insertRoleAssignment(tx, {
          id: newId('roleAssignment'),
          principalId: sp.id,
          principalType: 'ServicePrincipal',
          identityId: appId,
          role: 'Contributor',
          scope: scopePath({ kind: 'automationAccount', accountId }),
          createdBy: actor,
        });
        const created = await repo.insertRunAs(tx, {
          automationAccountId: accountId,
          appId,
          servicePrincipalId: sp.id,
          certificateSource: source,
          validityMonths: months,
          createdBy: actor,
          createdAt: now(),
        });
        await writeAssets(tx, actor, accountId, appId, upload, body.subscriptionId ?? tenant, tenant);
        await appendAudit(tx, {
          actor,
          kind: 'runas.create',
          target: accountId,
          details: {
            applicationId: appId,
            servicePrincipalId: sp.id,
            displayName,
            certificateSource: source,
            thumbprint: upload.publicFields.thumbprint,
            expiresAt: iso(upload.expiresAt),
            roleAssignment: { id: assignment.id, role: assignment.role, scope: assignment.scope },
          },
        });
        await d.policy?.check(tx, { actor, accountId, operation: 'runas.create', before });
        return created;
      });
      return describe(row);
    },

    /** A new certificate in both assets; the previous one keeps signing in until its own expiry (R50). */
    async renew(p: Principal, accountId: string, body: z.infer<typeof renewRunAsBody>) {
      const account = await mustFindAccount(db, accountId);
      const current = await mustFindRunAs(db, accountId);
      const existing = await automationRepo.findAsset(db, accountId, 'certificate', RUN_AS_CERTIFICATE_ASSET);
      if (existing?.expiresAt && existing.expiresAt.getTime() <= now().getTime())
        throw new AppError(
          'RULE_VIOLATION',
          `The Run As certificate of '${account.name}' has expired: it cannot be renewed; delete the Run As account and create it again (or, better, move to the managed identity).`,
        );
      const app = await repo.findApplication(db, current.appId);
      if (!app || !(await repo.findServicePrincipalOfApp(db, current.appId)))
        throw new AppError(
          'RULE_VIOLATION',
          `The Run As account of '${account.name}' is incomplete (its application or principal is missing): delete it and create it again.`,
        );
      const { upload, source, months } = await certificateFor(body, app.displayName, now());
      const actor = actorOf(p);
      await db.transaction(async (tx) => {
        const before = await d.policy?.before(tx, accountId);
        const tenant = await tenantId(tx);
        const conn = await automationRepo.findAsset(tx, accountId, 'connection', RUN_AS_CONNECTION_ASSET);
        const fields = (conn?.publicFields.fieldValues ?? {}) as Record<string, unknown>;
        await repo.insertApplicationCertificate(tx, certificateRow(current.appId, upload));
        const revoked = body.revokePrevious
          ? await repo.revokeCertificatesExcept(tx, current.appId, upload.publicFields.thumbprint, now())
          : [];
        await writeAssets(
          tx,
          actor,
          accountId,
          current.appId,
          upload,
          String(fields.SubscriptionId ?? '') || tenant,
          tenant,
        );
        await repo.updateRunAs(tx, accountId, {
          renewedAt: now(),
          certificateSource: source,
          validityMonths: months,
        });
        await appendAudit(tx, {
          actor,
          kind: 'runas.renew',
          target: accountId,
          details: {
            applicationId: current.appId,
            previousThumbprint: existing ? String(existing.publicFields.thumbprint) : null,
            thumbprint: upload.publicFields.thumbprint,
            certificateSource: source,
            expiresAt: iso(upload.expiresAt),
            revoked,
          },
        });
        await d.policy?.check(tx, { actor, accountId, operation: 'runas.renew', before });
      });
      return describe(await mustFindRunAs(db, accountId));
    },

    /** Every Run As account (or one account's), with the runbooks, jobs and sign-ins that use it. */
    async usage(account: string | undefined, days: number) {
      let rows = await repo.listRunAs(db);
      if (account) {
        const found =
          (await automationRepo.findAccount(db, account)) ??
          (await automationRepo.findAccountByName(db, account));
        if (!found) throw new AppError('NOT_FOUND', `Automation account '${account}' was not found.`);
        rows = rows.filter((r) => r.automationAccountId === found.id);
      }
      const since = d.usage.since(days);
      const items = [];
      for (const row of rows) {
        const described = await describe(row);
        items.push({
          automationAccountId: described.automationAccountId,
          automationAccountName: described.automationAccountName,
          runAs: {
            status: described.status,
            statusReasons: described.statusReasons,
            applicationId: described.applicationId,
            servicePrincipalId: described.servicePrincipalId,
            expiresAt: described.certificate?.expiresAt ?? null,
            roleAssignments: described.roleAssignments,
            defaultRoleOnly:
              described.roleAssignments.length === 1 &&
              described.roleAssignments[0]!.role === 'Contributor' &&
              described.roleAssignments[0]!.scope ===
                scopePath({ kind: 'automationAccount', accountId: described.automationAccountId }),
          },
          runbooks: await d.usage.runbooksUsing(row.automationAccountId),
          jobs: await d.usage.jobsReading(row.automationAccountId, since),
          signIns: await d.usage.signIns(row.automationAccountId, since),
          advisory: described.advisory,
        });
      }
      items.sort((a, b) => a.automationAccountName.localeCompare(b.automationAccountName));
      return { days, items };
    },

    /**
     * Deletes the application (every certificate of it stops signing in) and both assets; keeps the account.
     * Refused (409, naming them) while a runbook's draft or published version signs in with it, or a job of the
     * last `days` days read its certificate or connection and would again (see `jobsStillUsing`). There is no
     * force: what still uses it is moved first (`steward automation migrate`).
     */
    async remove(p: Principal, accountId: string, days = DEFAULT_DELETE_JOB_DAYS) {
      const account = await mustFindAccount(db, accountId);
      await mustFindRunAs(db, accountId);
      const runbooks = (await d.usage.runbooksUsing(accountId))
        .filter((r) => r.versions.some((v) => v.state !== 'earlier'))
        .map((r) => ({
          name: r.name,
          versions: r.versions
            .filter((v) => v.state !== 'earlier')
            .map((v) => (v.state === 'draft' ? 'draft' : `v${v.version} published`)),
        }));
      const jobs = await d.usage.jobsStillUsing(accountId, days);
      if (runbooks.length || jobs.length) {
        const named = [
          ...(runbooks.length
            ? [`runbook(s) ${runbooks.map((r) => `${r.name} (${r.versions.join(', ')})`).join(', ')}`]
            : []),
          ...(jobs.length
            ? [
                `job(s) of the last ${days} days ${jobs
                  .slice(0, 10)
                  .map((j) => `${j.jobId}${j.runbook ? ` of ${j.runbook}` : ''} (${j.reason})`)
                  .join(', ')}${jobs.length > 10 ? ` and ${jobs.length - 10} more` : ''}`,
              ]
            : []),
        ];
        throw new AppError(
          'CONFLICT',
          `The Run As account of '${account.name}' still signs in for ${named.join(' and ')}: move them to the managed identity first (steward automation migrate ${account.name}).`,
          [
            ...runbooks.map((r) => ({ path: 'runbooks', message: `${r.name}: ${r.versions.join(', ')}` })),
            ...jobs.map((j) => ({
              path: 'jobs',
              message: `${j.jobId}${j.runbook ? ` (${j.runbook})` : ''}: ${j.reason}`,
            })),
          ],
        );
      }
      const actor = actorOf(p);
      await db.transaction(async (tx) => {
        const row = await mustFindRunAs(tx, accountId);
        await repo.deleteApplication(tx, row.appId);
        const removed = {
          roleAssignments: await deleteAssignmentsOfIdentity(tx, row.appId),
          certificateAsset: await d.assets.inTransaction.removeIfPresent(
            tx,
            actor,
            accountId,
            'certificate',
            RUN_AS_CERTIFICATE_ASSET,
          ),
          connectionAsset: await d.assets.inTransaction.removeIfPresent(
            tx,
            actor,
            accountId,
            'connection',
            RUN_AS_CONNECTION_ASSET,
          ),
        };
        await repo.deleteRunAs(tx, accountId);
        await appendAudit(tx, {
          actor,
          kind: 'runas.delete',
          target: accountId,
          details: {
            applicationId: row.appId,
            servicePrincipalId: row.servicePrincipalId,
            ...removed,
            jobDays: days,
          },
        });
      });
    },
  };
}
