// Rewrites a runbook that signs in with the legacy Run As account so that it signs in with the automation
// account's managed identity: `steward login --service-principal …` → `steward login --identity`,
// Connect-AzAccount -ServicePrincipal … → Connect-AzAccount -Identity, ClientCertificateCredential(…) →
// ManagedIdentityCredential(). Reads of the Run As assets whose values served only the sign-in are dropped.
// What it cannot rewrite safely it leaves as it was and lists, with the line and the reason — it never guesses.
import { findRunAsUsage, logicalLines, type RunbookKind, type UsageNames } from './runas-usage.js';

export interface RewriteChange {
  /** 1-based line of the original content. */
  line: number;
  from: string;
  /** The replacement; empty when the statement was removed. */
  to: string;
}

export interface ManualStep {
  line: number;
  text: string;
  reason: string;
}

export interface RewriteResult {
  content: string;
  changed: boolean;
  changes: RewriteChange[];
  /** Statements still using the Run As account after the rewrite: a person must change them. */
  manual: ManualStep[];
}

interface Statement {
  line: number;
  /** Physical lines the statement spans. */
  span: number;
  text: string;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// `steward login` options that only a certificate sign-in takes; --url and --resource carry over.
const stewardSpOptions = new Set(['--tenant', '--app-id', '--cert-thumbprint', '--certificate-asset']);
const stewardKeptOptions = new Set(['--url', '--resource']);

function rewriteStewardLogin(text: string): string | undefined {
  const m = /^(.*?\bsteward\s+login)((?:\s+[^\s;&|>#]+)*)(\s*(?:[;&|>#].*)?)$/.exec(text);
  if (!m) return undefined;
  const words = m[2]!.trim().split(/\s+/);
  if (!words.includes('--service-principal')) return undefined;
  const kept: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const [flag, inline] = w.split(/=(.*)/s);
    if (flag === '--service-principal') continue;
    const value = inline ?? words[++i];
    if (value === undefined) return undefined;
    if (stewardSpOptions.has(flag!)) continue;
    if (!stewardKeptOptions.has(flag!)) return undefined;
    kept.push(inline !== undefined ? w : `${flag} ${value}`);
  }
  return `${m[1]} --identity${kept.map((k) => ` ${k}`).join('')}${m[3]}`;
}

const psSpParameters = new Set([
  '-serviceprincipal',
  '-tenant',
  '-tenantid',
  '-applicationid',
  '-certificatethumbprint',
]);
const psKeptParameters = new Set(['-subscription', '-subscriptionid', '-environment']);

function rewriteConnect(text: string): string | undefined {
  const m =
    /^(.*?)\b((?:Connect|Login|Add)-Az(?:ureRm)?Account)\b((?:\s+(?:-\w+|'[^']*'|"[^"]*"|\$[\w.]+|\$\([^()]*\)|[^\s|;'"$()`]+))*)(\s*(?:[|;].*)?)$/i.exec(
      text,
    );
  if (!m) return undefined;
  const tokens = m[3]!.match(/-\w+|'[^']*'|"[^"]*"|\$\([^()]*\)|[^\s]+/g) ?? [];
  if (!tokens.some((t) => t.toLowerCase() === '-serviceprincipal')) return undefined;
  const kept: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const p = t.toLowerCase();
    if (!p.startsWith('-')) return undefined;
    if (p === '-serviceprincipal') continue;
    const value = tokens[++i];
    if (value === undefined || value.startsWith('-')) return undefined;
    if (psSpParameters.has(p)) continue;
    if (!psKeptParameters.has(p)) return undefined;
    kept.push(`${t} ${value}`);
  }
  // The AzureRM module keeps its own cmdlet; the Az aliases become Connect-AzAccount.
  const cmdlet = /AzureRm/i.test(m[2]!) ? 'Connect-AzureRmAccount' : 'Connect-AzAccount';
  return `${m[1]}${cmdlet} -Identity${kept.map((k) => ` ${k}`).join('')}${m[4]}`;
}

/** `ClientCertificateCredential(…)` on one statement with balanced parentheses → ManagedIdentityCredential(). */
function rewriteSdkCredential(text: string, kind: RunbookKind): string | undefined {
  if (kind !== 'python' && kind !== 'node') return undefined;
  const importLine =
    kind === 'python'
      ? /^(\s*from\s+azure\.identity\s+import\s+)(.*)$/.exec(text)
      : /^(\s*import\s*\{)([^}]*)(\}\s*from\s*['"]@azure\/identity['"];?\s*)$/.exec(text);
  if (importLine) {
    const names = importLine[2]!.split(',').map((n) => n.trim());
    if (!names.includes('ClientCertificateCredential')) return undefined;
    const next = [
      ...new Set(
        names
          .filter(Boolean)
          .map((n) => (n === 'ClientCertificateCredential' ? 'ManagedIdentityCredential' : n)),
      ),
    ];
    return kind === 'python'
      ? `${importLine[1]}${next.join(', ')}`
      : `${importLine[1]} ${next.join(', ')} ${importLine[3]}`;
  }
  const call = /^(.*?\b)ClientCertificateCredential\s*\(/.exec(text);
  if (!call) return undefined;
  let depth = 0;
  let end = -1;
  for (let i = call[0].length - 1; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) {
      end = i;
      break;
    }
  }
  if (end < 0) return undefined;
  return `${call[1]}ManagedIdentityCredential()${text.slice(end + 1)}`;
}

/** The variable a statement assigns, if it is an assignment. */
function assignedVariable(text: string, kind: RunbookKind): string | undefined {
  const m =
    kind === 'shell'
      ? /^\s*(?:export\s+|local\s+)?([A-Za-z_]\w*)=/.exec(text)
      : kind === 'powershell'
        ? /^\s*\$([A-Za-z_]\w*)\s*=/.exec(text)
        : kind === 'python'
          ? /^\s*([A-Za-z_]\w*)\s*=/.exec(text)
          : /^\s*(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=/.exec(text);
  return m?.[1];
}

/** A statement that stores a Run As asset's value in a variable; the variable's name. */
function assetReadVariable(text: string, kind: RunbookKind, assetNames: RegExp): string | undefined {
  if (!assetNames.test(text) && !/Get-AutomationConnection|get_automation_connection/i.test(text))
    return undefined;
  return assignedVariable(text, kind);
}

/** The managed-identity version of `content`, what changed, and what a person must still change. */
export function rewriteRunAsSignIn(
  content: string,
  kind: RunbookKind,
  names: UsageNames = {},
): RewriteResult {
  const logical = logicalLines(content, kind);
  const total = content.split(/\r\n|\n|\r/).length;
  const statements: Statement[] = logical.map((l, i) => ({
    line: l.line,
    span: (logical[i + 1]?.line ?? total + 1) - l.line,
    text: l.text,
  }));
  const assetNames = new RegExp(
    `${escapeRegExp(names.connectionAsset ?? 'AzureRunAsConnection')}|${escapeRegExp(names.certificateAsset ?? 'AzureRunAsCertificate')}`,
    'i',
  );

  const replaced = new Map<number, string>();
  for (const s of statements) {
    const next =
      (kind === 'powershell' ? rewriteConnect(s.text) : undefined) ??
      rewriteStewardLogin(s.text) ??
      rewriteSdkCredential(s.text, kind);
    if (next !== undefined) replaced.set(s.line, next);
  }

  // Asset reads — and values derived from them — whose variables serve only the rewritten sign-ins are dropped.
  const uses = (v: string, text: string) => new RegExp(`(^|[^\\w$])\\$?\\{?${escapeRegExp(v)}\\b`).test(text);
  const reads = new Map<number, string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of statements) {
      if (reads.has(s.line) || replaced.has(s.line)) continue;
      const v =
        assetReadVariable(s.text, kind, assetNames) ??
        ([...reads.values()].some((r) => uses(r, s.text)) ? assignedVariable(s.text, kind) : undefined);
      if (v) {
        reads.set(s.line, v);
        grew = true;
      }
    }
  }
  const kept = new Set<number>();
  for (const [line, v] of reads)
    if (statements.some((s) => !reads.has(s.line) && uses(v, replaced.get(s.line) ?? s.text))) kept.add(line);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [line, v] of reads) {
      if (kept.has(line)) continue;
      if (statements.some((s) => kept.has(s.line) && s.line !== line && uses(v, s.text))) {
        kept.add(line);
        grew = true;
      }
    }
  }
  for (const line of reads.keys()) if (!kept.has(line)) replaced.set(line, '');

  const changes: RewriteChange[] = [];
  const out: string[] = [];
  const physical = content.split(/\r\n|\n|\r/);
  const eol = content.includes('\r\n') ? '\r\n' : '\n';
  for (const s of statements) {
    const original = physical.slice(s.line - 1, s.line - 1 + s.span);
    const next = replaced.get(s.line);
    if (next === undefined || next === s.text) {
      out.push(...original);
      continue;
    }
    changes.push({ line: s.line, from: original.join('\n'), to: next });
    if (next !== '') out.push(next);
  }
  const rewritten = out.join(eol);

  // Whatever still uses the Run As account is listed against the original line it came from.
  const manual: ManualStep[] = [];
  for (const s of statements) {
    if (replaced.get(s.line) === '') continue;
    const text = replaced.get(s.line) ?? s.text;
    const hit = findRunAsUsage(text, kind, names)[0];
    if (!hit) continue;
    manual.push({
      line: s.line,
      text: hit.text,
      reason: reasonFor(hit.patterns, kind),
    });
  }
  for (const s of statements)
    if (!replaced.has(s.line) && /client_assertion/i.test(s.text) && !manual.some((m) => m.line === s.line))
      manual.push({
        line: s.line,
        text: s.text.trim().slice(0, 200),
        reason:
          'signs in with a hand-made client assertion: replace the request with a token from IDENTITY_ENDPOINT (the managed identity)',
      });
  manual.sort((a, b) => a.line - b.line);
  return { content: rewritten, changed: changes.length > 0, changes, manual };
}

function reasonFor(patterns: readonly string[], kind: RunbookKind): string {
  if (patterns.includes('steward-login-service-principal'))
    return 'a steward login with options other than --tenant, --app-id, --cert-thumbprint, --url and --resource: change it to `steward login --identity` by hand';
  if (patterns.includes('connect-service-principal'))
    return kind === 'powershell'
      ? 'a sign-in with parameters that cannot be carried over: change it to `Connect-AzAccount -Identity` by hand'
      : 'a PowerShell sign-in in a non-PowerShell runbook: change it by hand';
  if (patterns.includes('certificate-credential'))
    return 'a certificate credential that spans several lines or is built indirectly: use ManagedIdentityCredential() instead';
  return 'reads the Run As connection or certificate for something other than the sign-in: decide what it needs instead';
}
