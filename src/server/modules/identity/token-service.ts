// The token service: Steward as an OIDC issuer. Tokens for a job's identity (cloud or hybrid) and for a
// computer's own identity (the agent's metadata endpoint) are JWTs in Azure's shape, signed ES256, or RS256 for
// an audience configured to need it (signing-keys.ts keeps the keys). Tokens are cached per (identity,
// audience, requester) and reused until 5 minutes before expiry, so signing never runs per request — the
// requester is part of the key because its job or computer is a claim; every token issued is audited (never
// the token itself).
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { IdentitySelector, IdentityTokenAnswer } from '../../../automation/token-protocol.js';
import type { Keyring } from '../../../crypto/keyring.js';
import type { Db } from '../../../store/db.js';
import { type AccountIdentitiesFeed, createAccountIdentitiesCache } from './account-identities-cache.js';
import { accountResourceId, uamiResourceId } from './identities-service.js';
import * as repo from './identity-repo.js';
import { createSigningKeys, type SigningAlg, TOKEN_TTL_SECONDS } from './signing-keys.js';
import { createTokenAudit, type TokenAudit, type TokenAuditRecord } from './token-audit.js';

export { TOKEN_TTL_SECONDS } from './signing-keys.js';
/** Routes whose writes change accounts' identities: this server forgets them before it answers. */
export const IDENTITY_ROUTES = /^\/api\/v1\/(automation-accounts|user-assigned-identities)(\/|$)/;

/** A cached token is handed out again until this many seconds before it expires. */
export const TOKEN_REUSE_MARGIN_SECONDS = 300;

/** A job that asks, on the server (cloud) or agent (hybrid) that runs it. */
export interface TokenRequester {
  jobId: string;
  automationAccountId: string;
  /** The server or agent that runs the job. */
  worker: string;
}

/** A computer that asks for its own identity's token through its agent (R64). */
export interface ComputerRequester {
  agentId: string;
  computerName: string;
}

export type TokenAnswer = IdentityTokenAnswer;
type Issued = Extract<TokenAnswer, { kind: 'issued' }>;

export interface ResolvedIdentity {
  /** The identity's own id: the account's for the system identity, uami_… otherwise, the agent's for a computer. */
  id: string;
  principalId: string;
  clientId: string;
  resourceId: string;
  tenantId: string;
}

export interface TokenServiceDeps {
  db: Db;
  keyring: Keyring;
  /** The `iss` of tokens minted outside a request (the job endpoint): STEWARD_ISSUER_URL or the server's URL. */
  issuer: () => string;
  now?: () => Date;
  /** How long a rotated key is published before it signs; default 15 minutes. */
  prepublishSeconds?: number;
  /** How long the key list is trusted before it is read again (another server may have rotated); default 30 s. */
  keyCacheMs?: number;
  /** Scheduled key rotation interval (STEWARD_SIGNING_KEY_ROTATION_DAYS); undefined: on demand only. */
  rotationIntervalMs?: number;
  /** Audiences whose tokens are signed RS256 (STEWARD_TOKEN_RS256_AUDIENCES): verifiers that take RSA only. */
  rs256Audiences?: readonly string[];
  /** How `token.issue` records are written; default: grouped commits (token-audit.ts). */
  audit?: TokenAudit;
  /** The computer identity of an agent, when its computer is opted in (R64); absent: none is. */
  computerIdentity?: (agentId: string, tenantId: string) => Promise<ResolvedIdentity | undefined>;
}

export type TokenService = ReturnType<typeof createTokenService>;

export function createTokenService(d: TokenServiceDeps) {
  const { db } = d;
  const now = d.now ?? (() => new Date());
  const keys = createSigningKeys(d);
  const audit = d.audit ?? createTokenAudit({ db });
  const rs256 = new Set(d.rs256Audiences ?? []);
  const cache = new Map<string, { answer: Issued; owner: string }>();
  const accountIdentities = createAccountIdentitiesCache({ db, now: () => now().getTime() });

  let tenant: Promise<string> | undefined;
  /** The tenant id never changes once made: read it once. */
  function tenantId() {
    tenant ??= repo.tenantId(db).catch((err) => {
      tenant = undefined;
      throw err;
    });
    return tenant;
  }

  async function resolve(
    req: TokenRequester,
    selector: IdentitySelector,
  ): Promise<ResolvedIdentity | string> {
    const account = await accountIdentities.get(req.automationAccountId);
    if (!account) return "The job's automation account no longer exists.";
    const tid = await tenantId();
    if (selector.by === 'system') {
      if (!account.systemPrincipalId || !account.systemClientId)
        return 'The automation account has no system-assigned identity; name a user-assigned identity with client_id, principal_id or mi_res_id.';
      return {
        id: account.accountId,
        principalId: account.systemPrincipalId,
        clientId: account.systemClientId,
        resourceId: accountResourceId(tid, account.accountId),
        tenantId: tid,
      };
    }
    const { attached } = account;
    const value = selector.value.toLowerCase();
    const found = attached.find((u) =>
      selector.by === 'client_id'
        ? u.clientId === value
        : selector.by === 'principal_id'
          ? u.principalId === value
          : uamiResourceId(tid, u.id).toLowerCase() === value,
    );
    if (!found)
      return `No user-assigned identity with that ${selector.by} is attached to the job's automation account.`;
    return {
      id: found.id,
      principalId: found.principalId,
      clientId: found.clientId,
      resourceId: uamiResourceId(tid, found.id),
      tenantId: tid,
    };
  }

  /**
   * Signs a token with the key that signs now for the audience's algorithm: `iss`, `sub`, `aud`,
   * `iat`/`nbf`/`exp`, a fresh `jti`, and `claims`. Not cached, not audited: the caller does both.
   */
  async function sign(t: { subject: string; audience: string; claims: Record<string, unknown> }) {
    const nowSec = Math.floor(now().getTime() / 1000);
    const alg: SigningAlg = rs256.has(t.audience) ? 'RS256' : 'ES256';
    const signer = await keys.signer(alg);
    const jti = randomUUID();
    const exp = nowSec + TOKEN_TTL_SECONDS;
    const accessToken = await new SignJWT(t.claims)
      .setProtectedHeader({ alg, kid: signer.kid, typ: 'JWT' })
      .setIssuer(d.issuer())
      .setSubject(t.subject)
      .setAudience(t.audience)
      .setIssuedAt(nowSec)
      .setNotBefore(nowSec)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(signer.key);
    return { accessToken, jti, kid: signer.kid, alg, iat: nowSec, exp };
  }

  /**
   * The cached token of (identity, audience, owner) while it has more than the margin left, or a new one signed
   * with the audience's algorithm and audited; `claims` are the requester's.
   */
  async function tokenFor(
    identity: ResolvedIdentity,
    resource: string,
    owner: string,
    claims: Record<string, string>,
    record: Omit<TokenAuditRecord, 'target' | 'details'> & { details: Record<string, unknown> },
  ): Promise<Issued> {
    const at = now();
    const nowSec = Math.floor(at.getTime() / 1000);
    const cacheKey = `${identity.id}\u0000${resource}\u0000${owner}`;
    const cached = cache.get(cacheKey);
    if (cached && cached.answer.expiresOn - TOKEN_REUSE_MARGIN_SECONDS > nowSec) return cached.answer;

    const { accessToken, jti, kid, alg, exp } = await sign({
      subject: identity.principalId,
      audience: resource,
      claims: {
        oid: identity.principalId,
        tid: identity.tenantId,
        azp: identity.clientId,
        appid: identity.clientId,
        idtyp: 'app',
        xms_mirid: identity.resourceId,
        ...claims,
      },
    });
    await audit.record({
      actor: record.actor,
      target: identity.id,
      details: {
        audience: resource,
        principalId: identity.principalId,
        ...record.details,
        jti,
        kid,
        alg,
        expiresOn: exp,
      },
    });
    const answer: Issued = {
      kind: 'issued',
      accessToken,
      expiresOn: exp,
      notBefore: nowSec,
      resource,
      clientId: identity.clientId,
    };
    cache.set(cacheKey, { answer, owner });
    return answer;
  }

  return {
    sign,
    /**
     * Follows the change feed: accounts' identities are then answered from memory (at most a second old, dropped
     * at once by a change to an account or identity made on any server).
     */
    follow: (feed: AccountIdentitiesFeed) => accountIdentities.follow(feed),
    /** Forgets the identities held in memory: a change to accounts or identities was just committed here. */
    forgetIdentities: () => accountIdentities.forget(),
    jwks: () => keys.jwks(),
    listKeys: () => keys.list(),
    /** A new signing key (ES256 unless named), published at once and signing after `signsAfterSeconds`. */
    rotate: (actor: string, signsAfterSeconds?: number, alg?: SigningAlg) =>
      keys.rotate(actor, signsAfterSeconds, alg),
    /** Scheduled rotation, run by the server that holds the All Management Servers pool. */
    rotateIfDue: () => keys.rotateIfDue(),
    /** Writes the token.issue records still waiting: the server is stopping. */
    flushAudit: () => audit.flush(),

    /** A token for the identity the job asks for, for the audience `resource` (R61/R62). */
    async issue(req: TokenRequester, selector: IdentitySelector, resource: string): Promise<TokenAnswer> {
      const identity = await resolve(req, selector);
      if (typeof identity === 'string')
        return { kind: 'refused', error: 'invalid_request', description: identity };
      return tokenFor(
        identity,
        resource,
        `job:${req.jobId}`,
        { job_id: req.jobId, automation_account_id: req.automationAccountId, worker: req.worker },
        { actor: `job:${req.jobId}`, details: { jobId: req.jobId, worker: req.worker } },
      );
    },

    /**
     * A token for the computer's own identity (R64), when its computer is opted in. A selector must name that
     * identity (a computer has one); anything else is IMDS's "Identity not found".
     */
    async issueForComputer(
      req: ComputerRequester,
      selector: IdentitySelector,
      resource: string,
    ): Promise<TokenAnswer> {
      const identity = await d.computerIdentity?.(req.agentId, await tenantId());
      if (!identity)
        return {
          kind: 'refused',
          error: 'invalid_request',
          description: `Computer '${req.computerName}' has no identity: an administrator turns it on for the computer or one of its worker groups.`,
        };
      const value = selector.by === 'system' ? '' : selector.value.toLowerCase();
      const named =
        selector.by === 'system' ||
        (selector.by === 'client_id' && value === identity.clientId) ||
        (selector.by === 'principal_id' && value === identity.principalId) ||
        (selector.by === 'mi_res_id' && value === identity.resourceId.toLowerCase());
      if (!named) return { kind: 'refused', error: 'invalid_request', description: 'Identity not found' };
      return tokenFor(
        identity,
        resource,
        `agent:${req.agentId}`,
        { agent_id: req.agentId, computer: req.computerName },
        { actor: `agent:${req.agentId}`, details: { agent: req.agentId, computer: req.computerName } },
      );
    },

    /** Forgets the cached tokens of a job that ended. */
    forgetJob(jobId: string) {
      for (const [k, v] of cache) if (v.owner === `job:${jobId}`) cache.delete(k);
    },
  };
}
