// Proves the Run As content scanner finds every way a runbook of any type signs in with the legacy account (any
// case, with line numbers, continued lines counted from their first line), and that the rewriter turns those
// sign-ins into managed-identity ones — dropping asset reads that only served them — while anything it cannot
// carry over safely is left unchanged and listed with its line and a reason.
import { describe, expect, it } from 'vitest';
import { rewriteRunAsSignIn } from './runas-rewrite.js';
import { findRunAsUsage } from './runas-usage.js';

const shell = [
  '#!/bin/sh',
  'set -e',
  'CONN=$(steward asset get connection AzureRunAsConnection)',
  'APP=$(printf %s "$CONN" | jq -r .fields.ApplicationId)',
  'TENANT=$(printf %s "$CONN" | jq -r .fields.TenantId)',
  'THUMB=$(printf %s "$CONN" | jq -r .fields.CertificateThumbprint)',
  'steward login --service-principal --tenant "$TENANT" --app-id "$APP" --cert-thumbprint "$THUMB" >/dev/null',
  'steward automation account list --json',
].join('\n');

const powershell = [
  'Disable-AzContextAutosave -Scope Process',
  '$Conn = Get-AutomationConnection -Name AzureRunAsConnection',
  'Connect-AzAccount -ServicePrincipal -Tenant $Conn.TenantId `',
  '  -ApplicationId $Conn.ApplicationId -CertificateThumbprint $Conn.CertificateThumbprint | Out-Null',
  'Get-AzVM',
].join('\n');

describe('findRunAsUsage', () => {
  it('finds the asset names in any case, every sign-in form, with the line each statement starts on', () => {
    expect(findRunAsUsage(shell, 'shell').map((h) => [h.line, h.patterns])).toEqual([
      [3, ['connection-asset']],
      [7, ['steward-login-service-principal']],
    ]);
    expect(findRunAsUsage(powershell, 'powershell').map((h) => [h.line, h.patterns])).toEqual([
      [2, ['connection-asset', 'get-automation-connection']],
      [3, ['connect-service-principal']],
    ]);
    const python =
      'import automationassets\nconn = automationassets.get_automation_connection("azurerunasconnection")\n';
    expect(findRunAsUsage(python, 'python')[0]).toMatchObject({
      line: 2,
      patterns: ['connection-asset', 'get-automation-connection'],
    });
    expect(findRunAsUsage('Add-AzureRmAccount -Credential $c', 'powershell')[0]?.patterns).toEqual([
      'connect-service-principal',
    ]);
    expect(
      findRunAsUsage('const c = new ClientCertificateCredential(t, a, { certificate })', 'node')[0]?.patterns,
    ).toEqual(['certificate-credential']);
  });

  it('finds nothing in a runbook that signs in with the identity, and honours other asset names', () => {
    expect(findRunAsUsage('Connect-AzAccount -Identity\nGet-AzVM', 'powershell')).toEqual([]);
    expect(findRunAsUsage('steward login --identity', 'shell')).toEqual([]);
    expect(
      findRunAsUsage('x=$(steward asset get connection MyConn)', 'shell', { connectionAsset: 'myconn' }),
    ).toHaveLength(1);
  });
});

describe('rewriteRunAsSignIn', () => {
  it('rewrites a shell sign-in and drops the connection reads that only fed it', () => {
    const r = rewriteRunAsSignIn(shell, 'shell');
    expect(r.content).toBe(
      [
        '#!/bin/sh',
        'set -e',
        'steward login --identity >/dev/null',
        'steward automation account list --json',
      ].join('\n'),
    );
    expect(r.changes.map((c) => c.line)).toEqual([3, 4, 5, 6, 7]);
    expect(r.manual).toEqual([]);
    expect(findRunAsUsage(r.content, 'shell')).toEqual([]);
  });

  it('rewrites Connect-AzAccount -ServicePrincipal over continued lines, keeping the pipe', () => {
    const r = rewriteRunAsSignIn(powershell, 'powershell');
    expect(r.content).toBe(
      ['Disable-AzContextAutosave -Scope Process', 'Connect-AzAccount -Identity | Out-Null', 'Get-AzVM'].join(
        '\n',
      ),
    );
    expect(r.manual).toEqual([]);
  });

  it('keeps AzureRM runbooks on their module and carries -Subscription over', () => {
    const r = rewriteRunAsSignIn(
      '$c = Get-AutomationConnection -Name AzureRunAsConnection\nAdd-AzureRmAccount -ServicePrincipal -TenantId $c.TenantId -ApplicationId $c.ApplicationId -CertificateThumbprint $c.CertificateThumbprint -SubscriptionId $c.SubscriptionId',
      'powershell',
    );
    expect(r.content).toBe(
      '$c = Get-AutomationConnection -Name AzureRunAsConnection\nConnect-AzureRmAccount -Identity -SubscriptionId $c.SubscriptionId',
    );
    // The read stays (its SubscriptionId is still used) and is listed for a person to decide.
    expect(r.manual).toEqual([expect.objectContaining({ line: 1 })]);
  });

  it('rewrites python and node certificate credentials to the managed identity credential', () => {
    const py = rewriteRunAsSignIn(
      'from azure.identity import ClientCertificateCredential\ncred = ClientCertificateCredential(tenant, app, certificate_path=p)\n',
      'python',
    );
    expect(py.content).toBe(
      'from azure.identity import ManagedIdentityCredential\ncred = ManagedIdentityCredential()\n',
    );
    const js = rewriteRunAsSignIn(
      "import { ClientCertificateCredential } from '@azure/identity';\nconst cred = new ClientCertificateCredential(t, a, { certificate: pem });",
      'node',
    );
    expect(js.content).toBe(
      "import { ManagedIdentityCredential } from '@azure/identity';\nconst cred = new ManagedIdentityCredential();",
    );
    expect(js.manual).toEqual([]);
  });

  it('leaves what it cannot carry over and lists it with the line and a reason', () => {
    const content = [
      'steward login --service-principal --tenant t --app-id a --cert-thumbprint x --unknown y',
      'Connect-AzAccount -ServicePrincipal -Credential $cred -Tenant t',
      'cred = ClientCertificateCredential(',
      '    tenant, app, certificate_path=p)',
      "body = {'client_assertion': assertion}",
    ].join('\n');
    // In a shell runbook, PowerShell and SDK sign-ins are not rewritten either: each is listed.
    expect(rewriteRunAsSignIn(content, 'shell').manual.map((m) => m.line)).toEqual([1, 2, 3, 5]);
    const ps = rewriteRunAsSignIn(content.split('\n')[1]!, 'powershell');
    expect(ps.changed).toBe(false);
    expect(ps.manual[0]).toMatchObject({
      line: 1,
      reason: expect.stringContaining('Connect-AzAccount -Identity'),
    });
    const py = rewriteRunAsSignIn(content.split('\n').slice(2).join('\n'), 'python');
    expect(py.changed).toBe(false);
    expect(py.manual.map((m) => m.line)).toEqual([1, 3]);
  });

  it('changes nothing in content without Run As, and keeps CRLF line ends', () => {
    const r = rewriteRunAsSignIn(
      'echo hi\r\nsteward login --service-principal --app-id a\r\necho done',
      'shell',
    );
    expect(r.content).toBe('echo hi\r\nsteward login --identity\r\necho done');
    expect(rewriteRunAsSignIn('echo hi', 'shell')).toEqual({
      content: 'echo hi',
      changed: false,
      changes: [],
      manual: [],
    });
  });
});
