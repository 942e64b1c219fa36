// The legacy certificate Run As account of an automation account: whether its parts are all there and agree
// (R51), and the migration advisory every answer about it carries (R65: the next step off Run As).

export interface RunAsParts {
  appId: string;
  /** Present when the application still exists. */
  application: { appId: string } | undefined;
  servicePrincipal: { id: string } | undefined;
  /** Thumbprints (SHA-1, upper-case hex) the application accepts and that have not expired. */
  applicationThumbprints: readonly string[];
  certificateAsset: { thumbprint: string } | undefined;
  connectionAsset: { fields: Record<string, unknown> } | undefined;
  /**
   * How many role assignments the principal holds; undefined while Steward has no role assignments to read,
   * in which case the check is not made.
   */
  roleAssignments?: number;
}

export interface RunAsStatus {
  status: 'Complete' | 'Incomplete';
  /** Sentences naming what is missing or does not match; empty when Complete. */
  reasons: string[];
}

export function runAsStatus(p: RunAsParts): RunAsStatus {
  const reasons: string[] = [];
  if (!p.application) reasons.push(`The application ${p.appId} is missing.`);
  if (!p.servicePrincipal) reasons.push('The service principal is missing.');
  if (p.roleAssignments === 0) reasons.push('The service principal has no role assignment.');
  if (!p.certificateAsset) reasons.push('The certificate asset is missing.');
  if (!p.connectionAsset) reasons.push('The connection asset is missing.');
  const connectionThumbprint = String(p.connectionAsset?.fields.CertificateThumbprint ?? '').toUpperCase();
  if (p.certificateAsset && p.connectionAsset && connectionThumbprint !== p.certificateAsset.thumbprint)
    reasons.push(
      `The connection's CertificateThumbprint (${connectionThumbprint || 'empty'}) differs from the certificate asset's (${p.certificateAsset.thumbprint}).`,
    );
  if (p.connectionAsset && String(p.connectionAsset.fields.ApplicationId ?? '') !== p.appId)
    reasons.push(`The connection's ApplicationId differs from the application ${p.appId}.`);
  if (
    p.application &&
    p.certificateAsset &&
    !p.applicationThumbprints.includes(p.certificateAsset.thumbprint)
  )
    reasons.push(
      'The application does not accept the certificate in the certificate asset (expired or revoked).',
    );
  return { status: reasons.length ? 'Incomplete' : 'Complete', reasons };
}

export interface AdvisoryInput {
  accountName: string;
  hasSystemIdentity: boolean;
  hasUserAssignedIdentity: boolean;
  /** Runbooks (any version) whose content uses the Run As account. */
  runbooksUsing: readonly string[];
  /** Jobs that read the Run As assets or signed in with its principal in the usage window. */
  recentJobs: number;
  certificateExpiresAt: Date | undefined;
  now: Date;
}

export interface MigrationAdvisory {
  message: string;
  /** The command that takes the next step. */
  nextStep: string;
  usedBy: { runbooks: string[]; recentJobs: number };
}

const DAY = 86_400_000;

/** The advisory for a legacy Run As account: it is retired; what still uses it; the next step off it. */
export function migrationAdvisory(a: AdvisoryInput): MigrationAdvisory {
  const days = a.certificateExpiresAt
    ? Math.floor((a.certificateExpiresAt.getTime() - a.now.getTime()) / DAY)
    : undefined;
  const expiry =
    days === undefined
      ? ''
      : days < 0
        ? ' Its certificate has expired.'
        : ` Its certificate expires in ${days} day(s).`;
  const usedBy = { runbooks: [...a.runbooksUsing], recentJobs: a.recentJobs };
  const base = `Certificate Run As accounts are retired: move automation account ${a.accountName} to a managed identity.${expiry}`;
  if (!a.hasSystemIdentity && !a.hasUserAssignedIdentity)
    return {
      message: `${base} First give the account a system-assigned identity.`,
      nextStep: `steward automation identity set ${a.accountName} --type SystemAssigned`,
      usedBy,
    };
  if (a.runbooksUsing.length)
    return {
      message: `${base} ${a.runbooksUsing.length} runbook(s) still sign in with it; give the identity the principal's roles, then rewrite them to sign in with the identity.`,
      nextStep: `steward automation runas-usage --account ${a.accountName}`,
      usedBy,
    };
  if (a.recentJobs)
    return {
      message: `${base} No runbook content uses it, but ${a.recentJobs} recent job(s) read its assets or signed in with it; find what they ran before deleting it.`,
      nextStep: `steward automation runas-usage --account ${a.accountName}`,
      usedBy,
    };
  return {
    message: `${base} Nothing uses it any more: delete it.`,
    nextStep: `steward automation runas delete ${a.accountName}`,
    usedBy,
  };
}
