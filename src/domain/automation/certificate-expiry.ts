// Findings for certificates of automation accounts — the Run As certificate and every certificate asset — that
// expire soon or have expired (Q5: critical under 3 days, warning under the configured window).
import type { Finding } from '../resolution/findings.js';

export interface CertificateOnRecord {
  assetId: string;
  automationAccountId: string;
  automationAccountName: string;
  name: string;
  thumbprint: string;
  expiresAt: Date;
  /** The certificate of the account's legacy Run As account. */
  runAs: boolean;
}

const DAY = 86_400_000;

export function certificateExpiryFindings(
  certs: readonly CertificateOnRecord[],
  opts: { now: Date; warningDays: number; criticalDays?: number },
): Finding[] {
  const out: Finding[] = [];
  for (const c of certs) {
    const days = (c.expiresAt.getTime() - opts.now.getTime()) / DAY;
    if (days >= opts.warningDays) continue;
    const what = c.runAs
      ? `The Run As certificate of automation account ${c.automationAccountName}`
      : `Certificate ${c.name} of automation account ${c.automationAccountName}`;
    const fix = c.runAs
      ? `steward automation runas renew ${c.automationAccountName}`
      : `steward asset set certificate ${c.name} --account ${c.automationAccountName} --file <new certificate>`;
    const subject = {
      automationAccountId: c.automationAccountId,
      assetId: c.assetId,
      asset: c.name,
      thumbprint: c.thumbprint,
      runAs: c.runAs,
      expiresAt: c.expiresAt.toISOString(),
    };
    if (days <= 0)
      out.push({
        id: `expired:${c.assetId}`,
        kind: 'expired',
        severity: 'critical',
        message: `${what} expired on ${c.expiresAt.toISOString()}.`,
        fix: c.runAs ? `steward automation runas delete ${c.automationAccountName}` : fix,
        subject,
      });
    else
      out.push({
        id: `expiring:${c.assetId}`,
        kind: 'expiring',
        severity: days < (opts.criticalDays ?? 3) ? 'critical' : 'warning',
        message: `${what} expires in ${Math.floor(days)} day(s), on ${c.expiresAt.toISOString()}.`,
        fix,
        subject: { ...subject, days: Math.floor(days) },
      });
  }
  return out;
}
