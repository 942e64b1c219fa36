// Identity tokens as bearer tokens of Steward's own API: a JWT is accepted only when it verifies against a key
// of the current JWKS (a removed key, a forged kid, `alg: none` are refused), its `iss` is this management
// group's issuer, its `aud` is Steward's API resource id, and it has not expired. The caller then has the
// rights of its principal's role assignments, read from the database on every request (no cache: a removed
// assignment bites at once, on every server). A token of a Run As account's service principal (app-only, signed
// in with its certificate) is accepted the same way while the principal exists; once the Run As account is
// deleted its unexpired tokens are refused.

import { eq } from 'drizzle-orm';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { STEWARD_API_AUDIENCE } from '../../../contract/role-assignments.js';
import { assignmentsAllow, type ResourceAction, type ResourceRole } from '../../../domain/resource-roles.js';
import type { Executor } from '../../../store/db.js';
import { servicePrincipals } from '../../../store/schema.js';
import type { IdentityCaller } from '../../principal.js';
import { assignmentsOf } from '../roles/role-assignments-repo.js';

/** Algorithms the token service signs with; anything else (`none`, HS256 with a public key…) is refused. */
const ALGORITHMS = ['ES256', 'RS256'];
/** Clock difference tolerated between the server that signed and the one that verifies, seconds. */
const CLOCK_TOLERANCE_SECONDS = 60;
const MAX_TOKEN_LENGTH = 8192;

/** Whether a bearer value has the shape of a JWT (three base64url parts) rather than an API token. */
export const looksLikeJwt = (token: string) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(token);

export interface IdentityTokenAuthDeps {
  db: Executor;
  /** The JWKS the token service publishes now. */
  jwks: () => Promise<JSONWebKeySet>;
  /** The `iss` the token service signs with. */
  issuer: () => string;
  now?: () => Date;
}

export type IdentityTokenAuth = ReturnType<typeof createIdentityTokenAuth>;

export function createIdentityTokenAuth(d: IdentityTokenAuthDeps) {
  const now = d.now ?? (() => new Date());
  return {
    /** The caller a token proves, or undefined for any token that is not valid here now. */
    async verify(token: string): Promise<IdentityCaller | undefined> {
      if (token.length > MAX_TOKEN_LENGTH || !looksLikeJwt(token)) return undefined;
      try {
        const { payload } = await jwtVerify(token, createLocalJWKSet(await d.jwks()), {
          issuer: d.issuer(),
          audience: STEWARD_API_AUDIENCE,
          algorithms: ALGORITHMS,
          currentDate: now(),
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['exp', 'iat', 'sub', 'oid', 'jti'],
        });
        const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
        const principalId = str(payload.oid);
        if (!principalId || principalId !== payload.sub) return undefined;
        // A certificate sign-in (appidacr 2) names a service principal, which must still exist.
        if (payload.appidacr === '2') {
          const appId = str(payload.appid);
          const sp = (
            await d.db
              .select({ appId: servicePrincipals.appId })
              .from(servicePrincipals)
              .where(eq(servicePrincipals.id, principalId))
          )[0];
          if (!sp || sp.appId !== appId) return undefined;
        }
        return {
          principalId,
          clientId: str(payload.azp) ?? '',
          resourceId: str(payload.xms_mirid) ?? '',
          jti: str(payload.jti) ?? '',
          jobId: str(payload.job_id),
        };
      } catch {
        // Why a token failed (bad signature, expired, wrong audience…) is not told: the answer is one 401.
        return undefined;
      }
    },

    /** Whether the principal's role assignments allow the action on the resource at `scope`, read now. */
    async allows(principalId: string, action: ResourceAction, scope: string): Promise<boolean> {
      const rows = await assignmentsOf(d.db, principalId);
      return assignmentsAllow(
        rows.map((r) => ({ role: r.role as ResourceRole, scope: r.scope })),
        action,
        scope,
      );
    },
  };
}
