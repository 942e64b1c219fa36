// Sign-in of a service principal with its certificate: OAuth 2.0 client credentials with a private_key_jwt client
// assertion (RFC 7523, RFC 7521). The assertion's header names the certificate (`x5t`, SHA-1, or `x5t#S256`);
// iss and sub are the application id, aud the token endpoint, exp near, jti never seen before. The answer is a
// token of Steward's issuer for the principal. An expired, revoked or unknown certificate is refused by name.
// Neither the assertion nor the token is ever logged or audited.
import { decodeJwt, decodeProtectedHeader, importX509, errors as joseErrors, jwtVerify } from 'jose';
import { CLIENT_ASSERTION_TYPE } from '../../../contract/runas.js';
import type { Db } from '../../../store/db.js';
import { recordAssertions } from '../agents/agents-repo.js';
import { appendAudit } from '../audit/audit-repo.js';
import { tenantId } from '../identity/identity-repo.js';
import type { TokenService } from '../identity/token-service.js';
import * as repo from './runas-repo.js';
import { SIGN_IN_AUDIT_KIND } from './runas-usage-service.js';

/** Assertions may live at most this long (MSAL makes them for 10 minutes). */
const MAX_ASSERTION_SECONDS = 3600;
const CLOCK_SKEW_SECONDS = 60;
const ALGORITHMS = ['RS256', 'PS256', 'ES256'];
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

export type SignInAnswer =
  | { kind: 'issued'; accessToken: string; expiresIn: number }
  | { kind: 'refused'; status: 400 | 401; error: string; description: string };

export interface SignInRequest {
  form: URLSearchParams;
  /** Every URL the caller may have put in `aud`: this endpoint as reached. */
  audiences: string[];
  /** From a tenant-style path (`/{tenant}/oauth2/…`): must be Steward's tenant. */
  tenant?: string;
  clientAddress: string;
}

const refuse = (status: 400 | 401, error: string, description: string): SignInAnswer => ({
  kind: 'refused',
  status,
  error,
  description,
});

const b64urlToHex = (s: string) => Buffer.from(s, 'base64url').toString('hex').toUpperCase();

export type SignInService = ReturnType<typeof createSignInService>;

export function createSignInService(d: { db: Db; tokens: Pick<TokenService, 'sign'>; now?: () => Date }) {
  const { db } = d;
  const now = d.now ?? (() => new Date());

  function audienceOf(form: URLSearchParams): string | SignInAnswer {
    const resource = form.get('resource');
    const scopes = (form.get('scope') ?? '').split(/\s+/).filter((s) => s && !OIDC_SCOPES.has(s));
    if (resource && scopes.length) return refuse(400, 'invalid_request', 'Give scope or resource, not both.');
    if (!resource && scopes.length !== 1)
      return refuse(
        400,
        'invalid_request',
        'Name one audience: scope=<resource>/.default (v2) or resource=<resource> (v1).',
      );
    const audience = resource ?? scopes[0]!.replace(/\/\.default$/, '');
    if (!audience || audience.length > 2048 || [...audience].some((c) => c.charCodeAt(0) < 0x20))
      return refuse(
        400,
        'invalid_scope',
        'The audience is empty, over 2048 characters or holds control characters.',
      );
    return audience;
  }

  return {
    async signIn(req: SignInRequest): Promise<SignInAnswer> {
      const { form } = req;
      for (const k of new Set(form.keys()))
        if (form.getAll(k).length > 1) return refuse(400, 'invalid_request', `Give ${k} once.`);
      if (form.get('grant_type') !== 'client_credentials')
        return refuse(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is served here.');
      if (form.get('client_secret'))
        return refuse(
          401,
          'invalid_client',
          'Client secrets are not accepted: sign a client assertion with the certificate.',
        );
      if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE)
        return refuse(400, 'invalid_request', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}.`);
      const assertion = form.get('client_assertion');
      if (!assertion) return refuse(400, 'invalid_request', 'client_assertion is required.');
      const tenant = await tenantId(db);
      if (req.tenant !== undefined && req.tenant.toLowerCase() !== tenant)
        return refuse(400, 'invalid_request', 'The tenant in the path is not this management group.');
      const audience = audienceOf(form);
      if (typeof audience !== 'string') return audience;

      let header: ReturnType<typeof decodeProtectedHeader>;
      let claims: ReturnType<typeof decodeJwt>;
      try {
        header = decodeProtectedHeader(assertion);
        claims = decodeJwt(assertion);
      } catch {
        return refuse(401, 'invalid_client', 'client_assertion is not a signed JWT.');
      }
      const appId = typeof claims.iss === 'string' ? claims.iss.toLowerCase() : '';
      if (!appId || claims.sub !== claims.iss)
        return refuse(
          401,
          'invalid_client',
          'The assertion must have iss and sub both equal to the application id.',
        );
      const clientId = form.get('client_id');
      if (clientId && clientId.toLowerCase() !== appId)
        return refuse(401, 'invalid_client', 'client_id differs from the assertion issuer.');
      if (typeof header.alg !== 'string' || !ALGORITHMS.includes(header.alg))
        return refuse(
          401,
          'invalid_client',
          `The assertion must be signed with one of ${ALGORITHMS.join(', ')}.`,
        );
      const x5t = header.x5t;
      const x5tS256 = header['x5t#S256'];
      if (typeof x5t !== 'string' && typeof x5tS256 !== 'string')
        return refuse(
          401,
          'invalid_client',
          'The assertion header must name the certificate with x5t or x5t#S256.',
        );

      const app = await repo.findApplication(db, appId);
      const sp = app && (await repo.findServicePrincipalOfApp(db, appId));
      if (!app || !sp)
        return refuse(401, 'invalid_client', `No application ${appId} with a service principal.`);
      const cert = await repo.findApplicationCertificate(
        db,
        appId,
        typeof x5tS256 === 'string'
          ? { thumbprintSha256: b64urlToHex(x5tS256) }
          : { thumbprint: b64urlToHex(x5t!) },
      );
      if (!cert)
        return refuse(
          401,
          'invalid_client',
          `The certificate named in the assertion is not a credential of application ${appId}.`,
        );
      const at = now();
      if (cert.revokedAt)
        return refuse(
          401,
          'invalid_client',
          `Certificate ${cert.thumbprint} was revoked on ${cert.revokedAt.toISOString()}.`,
        );
      if (cert.notAfter.getTime() <= at.getTime())
        return refuse(
          401,
          'invalid_client',
          `Certificate ${cert.thumbprint} expired on ${cert.notAfter.toISOString()}.`,
        );
      if (cert.notBefore.getTime() > at.getTime() + CLOCK_SKEW_SECONDS * 1000)
        return refuse(
          401,
          'invalid_client',
          `Certificate ${cert.thumbprint} is not valid before ${cert.notBefore.toISOString()}.`,
        );

      let verified: Awaited<ReturnType<typeof jwtVerify>>;
      try {
        verified = await jwtVerify(assertion, await importX509(cert.certificatePem, header.alg), {
          issuer: claims.iss as string,
          subject: claims.iss as string,
          audience: req.audiences,
          algorithms: [header.alg],
          clockTolerance: CLOCK_SKEW_SECONDS,
          currentDate: at,
          requiredClaims: ['exp', 'jti'],
        });
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired)
          return refuse(401, 'invalid_client', 'The assertion has expired.');
        if (err instanceof joseErrors.JWTClaimValidationFailed)
          return refuse(
            401,
            'invalid_client',
            err.claim === 'aud'
              ? `The assertion's aud must be this token endpoint (${req.audiences[0]}).`
              : `The assertion's ${err.claim} claim is not valid: ${err.reason}.`,
          );
        return refuse(
          401,
          'invalid_client',
          'The assertion signature does not verify with the named certificate.',
        );
      }
      const exp = verified.payload.exp!;
      if (exp - Math.floor(at.getTime() / 1000) > MAX_ASSERTION_SECONDS + CLOCK_SKEW_SECONDS)
        return refuse(
          401,
          'invalid_client',
          `The assertion must expire within ${MAX_ASSERTION_SECONDS} seconds.`,
        );
      const jti = String(verified.payload.jti);
      if (jti.length > 256) return refuse(401, 'invalid_client', 'The assertion jti is over 256 characters.');
      if (
        !(
          await recordAssertions(db, [
            { jti: `client-assertion:${appId}:${jti}`, expiresAt: new Date(exp * 1000) },
          ])
        )[0]
      )
        return refuse(
          401,
          'invalid_grant',
          'This client assertion was used already: sign a new one for each request.',
        );

      const runAs = await repo.findRunAsByApp(db, appId);
      const token = await d.tokens.sign({
        subject: sp.id,
        audience,
        claims: {
          oid: sp.id,
          tid: tenant,
          azp: appId,
          appid: appId,
          // Azure's value for a client that proved a certificate.
          appidacr: '2',
          idtyp: 'app',
          ...(runAs ? { automation_account_id: runAs.automationAccountId } : {}),
        },
      });
      await db.transaction((tx) =>
        appendAudit(tx, {
          actor: `sp:${appId}`,
          kind: SIGN_IN_AUDIT_KIND,
          target: runAs?.automationAccountId ?? appId,
          details: {
            applicationId: appId,
            servicePrincipalId: sp.id,
            thumbprint: cert.thumbprint,
            audience,
            jti: token.jti,
            kid: token.kid,
            expiresOn: token.exp,
            clientAddress: req.clientAddress,
          },
        }),
      );
      return {
        kind: 'issued',
        accessToken: token.accessToken,
        // Counted from the token's own issue time: the request may have begun in the second before.
        expiresIn: token.exp - token.iat,
      };
    },
  };
}
