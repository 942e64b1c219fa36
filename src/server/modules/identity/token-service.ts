// The token service: Steward as an OIDC issuer. Signing keys (ES256) are made with jose, their private halves
// sealed by the keyring (in sealed_secrets, so root-key rotation re-wraps them); a new key is published before
// it signs, and an old one stays in the JWKS until every token it signed has expired. Tokens for a job's
// identity are JWTs in Azure's shape, cached per (identity, audience, job) and reused until 5 minutes before
// expiry; every token issued is audited (never the token itself).
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import type { IdentitySelector, IdentityTokenAnswer } from '../../../automation/job-endpoint.js';
import type { SigningKey } from '../../../contract/identities.js';
import type { Keyring } from '../../../crypto/keyring.js';
import type { Db } from '../../../store/db.js';
import { appendAudit } from '../audit/audit-repo.js';
import * as accountsRepo from '../automation/automation-repo.js';
import { findSealed, insertSealed } from '../secrets/sealed-secrets-repo.js';
import { accountResourceId, uamiResourceId } from './identities-service.js';
import * as repo from './identity-repo.js';

export const TOKEN_ALG = 'ES256';
/** Lifetime of an identity token, seconds. */
export const TOKEN_TTL_SECONDS = 3600;
/** A cached token is handed out again until this many seconds before it expires. */
export const TOKEN_REUSE_MARGIN_SECONDS = 300;

export interface TokenRequester {
  jobId: string;
  automationAccountId: string;
  /** The server (worker) that runs the job. */
  worker: string;
}

export type TokenAnswer = IdentityTokenAnswer;

interface ResolvedIdentity {
  /** The identity's own id: the account's for the system identity, uami_… otherwise. */
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
}

export type TokenService = ReturnType<typeof createTokenService>;

const sealedVersion = 1;
type SigningKeyMaterial = Awaited<ReturnType<typeof importJWK>>;

export function createTokenService(d: TokenServiceDeps) {
  const { db } = d;
  const now = d.now ?? (() => new Date());
  const prepublishMs = (d.prepublishSeconds ?? 900) * 1000;
  const keyCacheMs = d.keyCacheMs ?? 30_000;
  let keys: { rows: repo.SigningKeyRow[]; at: number } | undefined;
  const privateKeys = new Map<string, Promise<SigningKeyMaterial>>();
  const cache = new Map<string, { answer: Extract<TokenAnswer, { kind: 'issued' }>; jobId: string }>();

  async function newKey(actor: string, signsFrom: Date) {
    const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALG, { extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: TOKEN_ALG, use: 'sig' };
    const privateJwk = await exportJWK(privateKey);
    const sealed = d.keyring.seal(kid, sealedVersion, Buffer.from(JSON.stringify(privateJwk), 'utf8'));
    return db.transaction(async (tx) => {
      const row = await repo.insertSigningKey(tx, {
        kid,
        alg: TOKEN_ALG,
        publicJwk,
        signsFrom,
        createdBy: actor,
      });
      await insertSealed(tx, kid, sealedVersion, sealed);
      await appendAudit(tx, {
        actor,
        kind: 'token.signing-key.create',
        target: kid,
        details: { alg: TOKEN_ALG, signsFrom: signsFrom.toISOString() },
      });
      return row;
    });
  }

  let loading: Promise<repo.SigningKeyRow[]> | undefined;
  async function loadKeys(force = false): Promise<repo.SigningKeyRow[]> {
    if (!force && keys && Date.now() - keys.at < keyCacheMs) return keys.rows;
    // Concurrent requests share one read, so a new server makes its first key once, not once per request;
    // a forced read (after a rotation here) waits for one in flight and then reads again.
    if (force && loading) await loading.catch(() => undefined);
    if (force) loading = undefined;
    loading ??= (async () => {
      let rows = await repo.listSigningKeys(db);
      if (!rows.length) {
        // The first key signs at once: no verifier can have cached a JWKS without it.
        await newKey('system', now());
        rows = await repo.listSigningKeys(db);
      }
      keys = { rows, at: Date.now() };
      return rows;
    })().finally(() => {
      loading = undefined;
    });
    return loading;
  }

  /** The key that signs now: the newest whose time has come. */
  const signingRow = (rows: repo.SigningKeyRow[], at: number) =>
    [...rows].reverse().find((k) => k.signsFrom.getTime() <= at) ?? rows[0]!;

  /** A key is retired once a newer one signs; it leaves the JWKS when every token it signed has expired. */
  function stateOf(rows: repo.SigningKeyRow[], k: repo.SigningKeyRow, at: number) {
    if (k.signsFrom.getTime() > at) return 'pending' as const;
    const successor = rows.find((n) => n.signsFrom > k.signsFrom && n.signsFrom.getTime() <= at);
    if (!successor) return 'signing' as const;
    return successor.signsFrom.getTime() + TOKEN_TTL_SECONDS * 1000 + 60_000 < at
      ? ('removed' as const)
      : ('retired' as const);
  }

  function privateKeyOf(kid: string) {
    let p = privateKeys.get(kid);
    if (!p) {
      p = (async () => {
        const sealed = await findSealed(db, kid, sealedVersion);
        if (!sealed) throw new Error(`The private half of signing key ${kid} is missing.`);
        const jwk = JSON.parse(d.keyring.open(kid, sealedVersion, sealed).toString('utf8')) as JWK;
        return await importJWK(jwk, TOKEN_ALG);
      })();
      privateKeys.set(kid, p);
      p.catch(() => privateKeys.delete(kid));
    }
    return p;
  }

  let tenant: Promise<string> | undefined;
  async function resolve(
    req: TokenRequester,
    selector: IdentitySelector,
  ): Promise<ResolvedIdentity | string> {
    const account = await accountsRepo.findAccount(db, req.automationAccountId);
    if (!account) return "The job's automation account no longer exists.";
    // The tenant id never changes once made: read it once.
    tenant ??= repo.tenantId(db).catch((err) => {
      tenant = undefined;
      throw err;
    });
    const tenantId = await tenant;
    if (selector.by === 'system') {
      if (!account.systemPrincipalId || !account.systemClientId)
        return 'The automation account has no system-assigned identity; name a user-assigned identity with client_id, principal_id or mi_res_id.';
      return {
        id: account.id,
        principalId: account.systemPrincipalId,
        clientId: account.systemClientId,
        resourceId: accountResourceId(tenantId, account.id),
        tenantId,
      };
    }
    const attached = (await repo.attachedTo(db, [account.id])).get(account.id) ?? [];
    const value = selector.value.toLowerCase();
    const found = attached.find((u) =>
      selector.by === 'client_id'
        ? u.clientId === value
        : selector.by === 'principal_id'
          ? u.principalId === value
          : uamiResourceId(tenantId, u.id).toLowerCase() === value,
    );
    if (!found)
      return `No user-assigned identity with that ${selector.by} is attached to the job's automation account.`;
    return {
      id: found.id,
      principalId: found.principalId,
      clientId: found.clientId,
      resourceId: uamiResourceId(tenantId, found.id),
      tenantId,
    };
  }

  /** Signs a token with the key that signs now: `iss`, `sub`, `aud`, `iat`/`nbf`/`exp`, a fresh `jti`, and `claims`. */
  async function sign(t: { subject: string; audience: string; claims: Record<string, unknown> }) {
    const at = now();
    const nowSec = Math.floor(at.getTime() / 1000);
    const key = signingRow(await loadKeys(), at.getTime());
    const jti = randomUUID();
    const exp = nowSec + TOKEN_TTL_SECONDS;
    const accessToken = await new SignJWT(t.claims)
      .setProtectedHeader({ alg: TOKEN_ALG, kid: key.kid, typ: 'JWT' })
      .setIssuer(d.issuer())
      .setSubject(t.subject)
      .setAudience(t.audience)
      .setIssuedAt(nowSec)
      .setNotBefore(nowSec)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(await privateKeyOf(key.kid));
    return { accessToken, jti, kid: key.kid, exp };
  }

  return {
    sign,

    /** Every key a verifier may meet: the signing one, pending ones, and retired ones whose tokens may live. */
    async jwks() {
      const rows = await loadKeys();
      const at = now().getTime();
      return { keys: rows.filter((k) => stateOf(rows, k, at) !== 'removed').map((k) => k.publicJwk) };
    },

    async listKeys(): Promise<SigningKey[]> {
      const rows = await loadKeys(true);
      const at = now().getTime();
      return rows.map((k) => {
        const s = stateOf(rows, k, at);
        return {
          kid: k.kid,
          alg: k.alg,
          signsFrom: k.signsFrom.toISOString(),
          state: s === 'removed' ? 'retired' : s,
          createdAt: k.createdAt.toISOString(),
        };
      });
    },

    /**
     * A new signing key, published at once and signing after `signsAfterSeconds` (default: the prepublish
     * time), so verifiers that cache the JWKS have it before the first token it signs.
     */
    async rotate(actor: string, signsAfterSeconds?: number) {
      await loadKeys();
      const delay = signsAfterSeconds !== undefined ? signsAfterSeconds * 1000 : prepublishMs;
      const row = await newKey(actor, new Date(now().getTime() + delay));
      await loadKeys(true);
      return row;
    },

    /** A token for the identity the job asks for, for the audience `resource` (R61/R62). */
    async issue(req: TokenRequester, selector: IdentitySelector, resource: string): Promise<TokenAnswer> {
      const identity = await resolve(req, selector);
      if (typeof identity === 'string')
        return { kind: 'refused', error: 'invalid_request', description: identity };
      const at = now();
      const nowSec = Math.floor(at.getTime() / 1000);
      const cacheKey = `${identity.id}\u0000${resource}\u0000${req.jobId}`;
      const cached = cache.get(cacheKey);
      if (cached && cached.answer.expiresOn - TOKEN_REUSE_MARGIN_SECONDS > nowSec) return cached.answer;

      const { accessToken, jti, kid, exp } = await sign({
        subject: identity.principalId,
        audience: resource,
        claims: {
          oid: identity.principalId,
          tid: identity.tenantId,
          azp: identity.clientId,
          appid: identity.clientId,
          idtyp: 'app',
          xms_mirid: identity.resourceId,
          job_id: req.jobId,
          automation_account_id: req.automationAccountId,
          worker: req.worker,
        },
      });
      await db.transaction((tx) =>
        appendAudit(tx, {
          actor: `job:${req.jobId}`,
          kind: 'token.issue',
          target: identity.id,
          details: {
            audience: resource,
            principalId: identity.principalId,
            jobId: req.jobId,
            worker: req.worker,
            jti,
            kid,
            expiresOn: exp,
          },
        }),
      );
      const answer = {
        kind: 'issued' as const,
        accessToken,
        expiresOn: exp,
        resource,
        clientId: identity.clientId,
      };
      cache.set(cacheKey, { answer, jobId: req.jobId });
      return answer;
    },

    /** Forgets the cached tokens of a job that ended. */
    forgetJob(jobId: string) {
      for (const [k, v] of cache) if (v.jobId === jobId) cache.delete(k);
    },
  };
}
