// Finds where a runbook's content signs in with a legacy Run As account: the connection or certificate asset
// named (in any case), `steward login --service-principal`, Connect-AzAccount -ServicePrincipal and its aliases,
// Get-AutomationConnection and certificate credentials of Azure's SDKs. Every runbook type is read — unlike
// Azure's finder (R66), which reads PowerShell only and matches one literal, case-sensitively.

export type RunbookKind = 'shell' | 'python' | 'node' | 'powershell';

export const RUN_AS_CONNECTION = 'AzureRunAsConnection';
export const RUN_AS_CERTIFICATE = 'AzureRunAsCertificate';

export type UsagePattern =
  | 'connection-asset'
  | 'certificate-asset'
  | 'steward-login-service-principal'
  | 'connect-service-principal'
  | 'get-automation-connection'
  | 'certificate-credential';

export interface UsageHit {
  /** 1-based line where the statement starts. */
  line: number;
  patterns: UsagePattern[];
  /** The line as written, trimmed and cut to 200 characters. */
  text: string;
}

export interface UsageNames {
  connectionAsset?: string;
  certificateAsset?: string;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Statements of the content: physical lines joined where a line ends with a continuation (a backtick in
 * PowerShell, a backslash elsewhere), each with the number of the line it starts on.
 */
export function logicalLines(content: string, kind: RunbookKind): { line: number; text: string }[] {
  const continuation = kind === 'powershell' ? /`\s*$/ : /\\\s*$/;
  const out: { line: number; text: string }[] = [];
  let start = 0;
  let buffer = '';
  content.split(/\r\n|\n|\r/).forEach((raw, i) => {
    if (!buffer) start = i + 1;
    if (continuation.test(raw)) buffer += `${raw.replace(continuation, '')} `;
    else {
      out.push({ line: start, text: buffer + raw });
      buffer = '';
    }
  });
  if (buffer) out.push({ line: start, text: buffer });
  return out;
}

const fixed: [UsagePattern, RegExp][] = [
  ['steward-login-service-principal', /\bsteward\s+login\b.*--service-principal\b/i],
  [
    'connect-service-principal',
    /\b(?:(?:Connect|Login)-Az(?:ureRm)?Account\b.*-ServicePrincipal\b|Add-Az(?:ureRm)?Account\b)/i,
  ],
  ['get-automation-connection', /\bGet-AutomationConnection\b|\bget_automation_connection\b/i],
  ['certificate-credential', /\b(?:ClientCertificateCredential|CertificateCredential)\b/],
];

/** Every statement of `content` that uses the Run As account, in order. */
export function findRunAsUsage(content: string, kind: RunbookKind, names: UsageNames = {}): UsageHit[] {
  const byName: [UsagePattern, RegExp][] = [
    ['connection-asset', new RegExp(escapeRegExp(names.connectionAsset ?? RUN_AS_CONNECTION), 'i')],
    ['certificate-asset', new RegExp(escapeRegExp(names.certificateAsset ?? RUN_AS_CERTIFICATE), 'i')],
  ];
  const hits: UsageHit[] = [];
  for (const { line, text } of logicalLines(content, kind)) {
    const patterns = [...byName, ...fixed].filter(([, re]) => re.test(text)).map(([p]) => p);
    if (patterns.length) hits.push({ line, patterns, text: text.trim().slice(0, 200) });
  }
  return hits;
}
