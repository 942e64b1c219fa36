// Who is calling: the signed-in user behind an API token, or a managed identity behind an identity token.
import type { Role } from '../domain/roles.js';

/** A managed identity that called with an identity token (audience: Steward's API). */
export interface IdentityCaller {
  /** The identity's principal (object) id: the token's `oid` and `sub`. */
  principalId: string;
  clientId: string;
  /** The identity's resource id (`xms_mirid`). */
  resourceId: string;
  /** The token's id, for the audit trail (never the token). */
  jti: string;
  /** The job the token was issued to. */
  jobId?: string;
}

export interface Principal {
  userId: string;
  username: string;
  /**
   * A person's role. An identity caller holds the weakest role here, and it is never consulted: an identity's
   * rights are its role assignments, checked per route (auth.ts).
   */
  role: Role;
  tokenId: string;
  mustChangePassword: boolean;
  /** Set when the caller is a managed identity rather than a person. */
  identity?: IdentityCaller;
}

/** The actor string written to audit records. */
export const actorOf = (p: Principal | undefined) =>
  p ? (p.identity ? `identity:${p.identity.principalId}` : `user:${p.username}`) : 'system';

/** The principal a verified identity token stands for. */
export const identityPrincipal = (caller: IdentityCaller): Principal => ({
  userId: caller.principalId,
  username: `identity:${caller.principalId}`,
  role: 'read-only-operator',
  tokenId: caller.jti,
  mustChangePassword: false,
  identity: caller,
});
