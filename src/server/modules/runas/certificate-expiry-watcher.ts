// Certificates of automation accounts that expire soon — the Run As certificate and certificate assets — as
// findings, and as alerts that notification subscriptions can send: one open alert per certificate asset,
// re-raised when its severity changes and resolved once it no longer expires soon (renewed, replaced, deleted).
import { and, eq, isNotNull, like, ne } from 'drizzle-orm';
import { RESOLUTION_CLOSED } from '../../../contract/alerts.js';
import { RUN_AS_CERTIFICATE_ASSET } from '../../../contract/runas.js';
import {
  type CertificateOnRecord,
  certificateExpiryFindings,
} from '../../../domain/automation/certificate-expiry.js';
import type { Finding } from '../../../domain/resolution/findings.js';
import type { Db } from '../../../store/db.js';
import {
  alerts as alertsTable,
  automationAccounts,
  automationAssets,
  runAsAccounts,
} from '../../../store/schema.js';
import type { AlertsService } from '../alerts/alerts-service.js';

export const RUN_AS_EXPIRY_ALERT = 'Run As Certificate Expiring';
export const CERTIFICATE_EXPIRY_ALERT = 'Automation Certificate Expiring';
const KEY_PREFIX = 'certificate-expiry:';
const ACTOR = 'system';

export type CertificateExpiryWatcher = ReturnType<typeof createCertificateExpiryWatcher>;

export function createCertificateExpiryWatcher(d: {
  db: Db;
  alerts: Pick<AlertsService, 'raise' | 'resolveByKey' | 'openByKey'>;
  warningDays: number;
  now?: () => Date;
}) {
  const now = d.now ?? (() => new Date());

  async function certificates(): Promise<CertificateOnRecord[]> {
    const rows = await d.db
      .select({
        assetId: automationAssets.id,
        automationAccountId: automationAssets.automationAccountId,
        automationAccountName: automationAccounts.name,
        name: automationAssets.name,
        publicFields: automationAssets.publicFields,
        expiresAt: automationAssets.expiresAt,
        runAs: runAsAccounts.automationAccountId,
      })
      .from(automationAssets)
      .innerJoin(automationAccounts, eq(automationAccounts.id, automationAssets.automationAccountId))
      .leftJoin(runAsAccounts, eq(runAsAccounts.automationAccountId, automationAssets.automationAccountId))
      .where(and(eq(automationAssets.kind, 'certificate'), isNotNull(automationAssets.expiresAt)));
    return rows.map((r) => ({
      assetId: r.assetId,
      automationAccountId: r.automationAccountId,
      automationAccountName: r.automationAccountName,
      name: r.name,
      thumbprint: String(r.publicFields.thumbprint ?? ''),
      expiresAt: r.expiresAt!,
      runAs: Boolean(r.runAs) && r.name === RUN_AS_CERTIFICATE_ASSET,
    }));
  }

  const findings = async (): Promise<Finding[]> =>
    certificateExpiryFindings(await certificates(), { now: now(), warningDays: d.warningDays });

  return {
    findings,

    /** Raises an alert for every certificate expiring soon, and resolves those that no longer are. */
    async sweep(): Promise<{ raised: string[]; resolved: string[] }> {
      const raised: string[] = [];
      const current = new Set<string>();
      for (const f of await findings()) {
        const s = f.subject as {
          assetId: string;
          automationAccountId: string;
          asset: string;
          runAs: boolean;
        };
        const key = `${KEY_PREFIX}${s.assetId}`;
        current.add(key);
        const open = await d.alerts.openByKey(key);
        if (open && open.severity === f.severity) continue;
        await d.alerts.raise(ACTOR, {
          name: s.runAs ? RUN_AS_EXPIRY_ALERT : CERTIFICATE_EXPIRY_ALERT,
          description: `${f.message} Fix: ${f.fix}`,
          severity: f.severity,
          priority: f.severity === 'critical' ? 'high' : 'medium',
          sourceObjectId: s.automationAccountId,
          sourceKind: 'steward',
          custom: { '1': s.automationAccountId, '2': s.asset, '3': s.assetId },
          dedupeKey: key,
        });
        raised.push(key);
      }
      const open = await d.db
        .select({ key: alertsTable.dedupeKey })
        .from(alertsTable)
        .where(
          and(
            ne(alertsTable.resolutionState, RESOLUTION_CLOSED),
            like(alertsTable.dedupeKey, `${KEY_PREFIX}%`),
          ),
        );
      const resolved: string[] = [];
      for (const { key } of open)
        if (key && !current.has(key)) {
          await d.alerts.resolveByKey(ACTOR, key);
          resolved.push(key);
        }
      return { raised, resolved };
    },
  };
}
