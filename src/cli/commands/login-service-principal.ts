// `steward login --service-principal`: the Connect-AzAccount -ServicePrincipal analogue (R52). Inside a job it
// reads the Run As certificate asset from the job's local endpoint (or, outside one, a PEM file holding the
// certificate and its key), signs a client assertion (RFC 7523) with jose, and exchanges it at the server's token
// endpoint for a token it keeps as the CLI's credentials. Neither the key, the assertion nor the token is printed.
import { createHash, createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { JOB_TOKEN_HEADER } from '../../contract/automation-jobs.js';
import {
  CLIENT_ASSERTION_TYPE,
  DEFAULT_SIGN_IN_RESOURCE,
  RUN_AS_CERTIFICATE_ASSET,
  TOKEN_ENDPOINT_PATH,
} from '../../contract/runas.js';
import { readInputFile } from '../automation-input.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { writeCredentials } from '../credentials.js';
import type { Output } from '../output.js';
import { serverFetch } from '../session.js';

export interface ServicePrincipalLogin {
  url: string;
  tenant?: string;
  appId?: string;
  certThumbprint?: string;
  certificateAsset?: string;
  certificateFile?: string;
  resource?: string;
}

const bad = (message: string) => new CliError(message, 2, 'VALIDATION_FAILED');
const hex = (s: string) => s.replace(/[:\s]/g, '').toUpperCase();

async function certificateFromJob(ctx: CliContext, name: string) {
  const endpoint = ctx.env.AUTOMATION_ENDPOINT;
  const token = ctx.env.AUTOMATION_JOB_TOKEN;
  if (!endpoint || !token)
    throw bad(
      'steward login --service-principal reads the certificate asset inside a job (AUTOMATION_ENDPOINT is not set here); outside a job give --certificate-file.',
    );
  let res: Response;
  try {
    res = await fetch(`${endpoint}/assets/certificate/${encodeURIComponent(name)}`, {
      headers: { [JOB_TOKEN_HEADER]: token },
    });
  } catch {
    throw new CliError(`The job endpoint ${endpoint} does not answer.`, 1, 'UNAVAILABLE');
  }
  const body = (await res.json().catch(() => ({}))) as {
    certificatePem?: string;
    privateKeyPem?: string;
    error?: { code?: string; message?: string };
  };
  if (!res.ok)
    throw CliError.fromCode(body.error?.code ?? 'INTERNAL', body.error?.message ?? `HTTP ${res.status}`);
  if (!body.certificatePem || !body.privateKeyPem)
    throw bad(`Certificate asset '${name}' has no exportable private key: it cannot sign in.`);
  return { certificatePem: body.certificatePem, privateKeyPem: body.privateKeyPem };
}

async function certificateFromFile(ctx: CliContext, path: string) {
  const text = (await readInputFile(ctx, path, '--certificate-file', 64 * 1024)).toString('utf8');
  // What `steward asset get certificate NAME` printed, kept by a job that wants to hold this certificate.
  if (text.trimStart().startsWith('{')) {
    let held: { certificatePem?: unknown; privateKeyPem?: unknown };
    try {
      held = JSON.parse(text);
    } catch {
      throw bad('--certificate-file is not valid JSON nor PEM.');
    }
    if (typeof held.certificatePem !== 'string' || typeof held.privateKeyPem !== 'string')
      throw bad('--certificate-file (JSON) must hold certificatePem and privateKeyPem.');
    return { certificatePem: held.certificatePem, privateKeyPem: held.privateKeyPem };
  }
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(text)?.[0];
  if (!cert || !key)
    throw bad('--certificate-file must hold a certificate and its unencrypted PKCS#8 key (PEM).');
  return { certificatePem: cert, privateKeyPem: key };
}

/** Where the server says its token endpoint is (the assertion's `aud`); the conventional path if it does not say. */
async function tokenEndpoint(url: string, fetch: typeof globalThis.fetch): Promise<string> {
  try {
    const res = await fetch(`${url}/.well-known/openid-configuration`);
    const doc = (await res.json()) as { token_endpoint?: unknown };
    if (res.ok && typeof doc.token_endpoint === 'string') return doc.token_endpoint;
  } catch {
    // The sign-in below reports an unreachable server.
  }
  return `${url}${TOKEN_ENDPOINT_PATH}`;
}

export async function loginWithCertificate(ctx: CliContext, o: ServicePrincipalLogin, out: Output) {
  if (!o.appId) throw bad('--app-id is required with --service-principal.');
  if (!o.certThumbprint && !o.certificateFile)
    throw bad('--cert-thumbprint is required with --service-principal.');
  const cert = o.certificateFile
    ? await certificateFromFile(ctx, o.certificateFile)
    : await certificateFromJob(ctx, o.certificateAsset ?? RUN_AS_CERTIFICATE_ASSET);
  const x509 = new X509Certificate(cert.certificatePem);
  const thumbprint = hex(x509.fingerprint);
  if (o.certThumbprint && hex(o.certThumbprint) !== thumbprint)
    throw bad(
      `The certificate found has thumbprint ${thumbprint}, not ${hex(o.certThumbprint)}: read the thumbprint from the connection asset again (the certificate may have been renewed).`,
    );
  const key = createPrivateKey(cert.privateKeyPem);
  const alg = key.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
  const toServer = serverFetch(ctx.env);
  const audience = await tokenEndpoint(o.url, toServer);
  // jose loads for this sign-in only, not with every command.
  const { importPKCS8, SignJWT } = await import('jose');
  const assertion = await new SignJWT({})
    .setProtectedHeader({
      alg,
      typ: 'JWT',
      x5t: createHash('sha1').update(x509.raw).digest('base64url'),
      'x5t#S256': createHash('sha256').update(x509.raw).digest('base64url'),
    })
    .setIssuer(o.appId)
    .setSubject(o.appId)
    .setAudience(audience)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(await importPKCS8(cert.privateKeyPem, alg));
  const resource = o.resource ?? DEFAULT_SIGN_IN_RESOURCE;
  const path = o.tenant ? `/${encodeURIComponent(o.tenant)}/oauth2/v2.0/token` : TOKEN_ENDPOINT_PATH;
  let res: Response;
  try {
    res = await toServer(`${o.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: o.appId,
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: assertion,
        scope: `${resource}/.default`,
      }).toString(),
    });
  } catch {
    throw new CliError(`The server ${o.url} does not answer.`, 1, 'UNAVAILABLE');
  }
  const body = (await res.json().catch(() => ({}))) as {
    access_token?: string;
    expires_in?: number;
    error?: string;
    error_description?: string;
  };
  if (!res.ok || !body.access_token)
    throw new CliError(
      `Sign-in refused (${body.error ?? `HTTP ${res.status}`}): ${body.error_description ?? 'no reason given'}`,
      3,
      'UNAUTHENTICATED',
    );
  const expiresAt = new Date(Date.now() + (body.expires_in ?? 0) * 1000).toISOString();
  const saved = writeCredentials(ctx.env, {
    url: o.url,
    username: `sp:${o.appId}`,
    token: body.access_token,
    savedAt: new Date().toISOString(),
  });
  out.result(
    { url: o.url, applicationId: o.appId, thumbprint, resource, expiresAt, credentialsPath: saved },
    () =>
      out.line(
        `Signed in to ${o.url} as application ${o.appId} with certificate ${thumbprint}; the token (for ${resource}) expires ${expiresAt}.`,
      ),
  );
}
