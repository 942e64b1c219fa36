// The keys that sign identity tokens: ES256 by default, RS256 for audiences that need it. Each is made with
// jose, its private half sealed by the keyring (in sealed_secrets, so root-key rotation re-wraps it). A new
// key is published in the JWKS before it signs, and an old one stays there until every token it signed has
// expired. Keys rotate on demand and on a schedule (each algorithm's newest key older than the interval).
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { SigningKey } from '../../../contract/identities.js';
import type { Keyring } from '../../../crypto/keyring.js';
import type { Db } from '../../../store/db.js';
import { appendAudit } from '../audit/audit-repo.js';
import { findSealed, insertSealed } from '../secrets/sealed-secrets-repo.js';
import * as repo from './identity-repo.js';

export const signingAlgs = ['ES256', 'RS256'] as const;
export type SigningAlg = (typeof signingAlgs)[number];
/** Lifetime of an identity token, seconds: a retired key is kept this long (and a minute) after its successor signs. */
export const TOKEN_TTL_SECONDS = 3600;

export interface SigningKeysDeps {
  db: Db;
  keyring: Keyring;
  now?: () => Date;
  /** How long a rotated key is published before it signs; default 15 minutes. */
  prepublishSeconds?: number;
  /** How long the key list is trusted before it is read again (another server may have rotated); default 30 s. */
  keyCacheMs?: number;
  /** Scheduled rotation: a new key once an algorithm's newest is this old; undefined: on demand only. */
  rotationIntervalMs?: number;
}

export type SigningKeys = ReturnType<typeof createSigningKeys>;
type KeyMaterial = Awaited<ReturnType<typeof importJWK>>;
const sealedVersion = 1;

export function createSigningKeys(d: SigningKeysDeps) {
  const { db } = d;
  const now = d.now ?? (() => new Date());
  const prepublishMs = (d.prepublishSeconds ?? 900) * 1000;
  const keyCacheMs = d.keyCacheMs ?? 30_000;
  let keys: { rows: repo.SigningKeyRow[]; at: number } | undefined;
  const privateKeys = new Map<string, Promise<KeyMaterial>>();

  async function newKey(actor: string, alg: SigningAlg, signsFrom: Date, reason: string) {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    const sealed = d.keyring.seal(
      kid,
      sealedVersion,
      Buffer.from(JSON.stringify(await exportJWK(privateKey)), 'utf8'),
    );
    return db.transaction(async (tx) => {
      const row = await repo.insertSigningKey(tx, {
        kid,
        alg,
        publicJwk,
        signsFrom,
        createdBy: actor,
        createdAt: now(),
      });
      await insertSealed(tx, kid, sealedVersion, sealed);
      await appendAudit(tx, {
        actor,
        kind: 'token.signing-key.create',
        target: kid,
        details: { alg, signsFrom: signsFrom.toISOString(), reason },
      });
      return row;
    });
  }

  let loading: Promise<repo.SigningKeyRow[]> | undefined;
  /** The key list; `ensure`: the algorithm's first key is made (signing at once) when there is none. */
  async function loadKeys(force = false, ensure: SigningAlg = 'ES256'): Promise<repo.SigningKeyRow[]> {
    if (!force && keys && Date.now() - keys.at < keyCacheMs && keys.rows.some((k) => k.alg === ensure))
      return keys.rows;
    // Concurrent requests share one read, so a new server makes its first key once, not once per request;
    // a forced read (after a rotation here) waits for one in flight and then reads again.
    if (loading) await loading.catch(() => undefined);
    if (!force && keys && Date.now() - keys.at < keyCacheMs && keys.rows.some((k) => k.alg === ensure))
      return keys.rows;
    loading ??= (async () => {
      let rows = await repo.listSigningKeys(db);
      if (!rows.some((k) => k.alg === ensure)) {
        // The first key of an algorithm signs at once: no verifier can have cached a JWKS without it, and
        // one that meets an unknown kid fetches the JWKS again.
        await newKey('system', ensure, now(), 'first key');
        rows = await repo.listSigningKeys(db);
      }
      keys = { rows, at: Date.now() };
      return rows;
    })().finally(() => {
      loading = undefined;
    });
    return loading;
  }

  /** A key is retired once a newer one of its algorithm signs; it leaves the JWKS when its tokens have expired. */
  function stateOf(rows: repo.SigningKeyRow[], k: repo.SigningKeyRow, at: number) {
    if (k.signsFrom.getTime() > at) return 'pending' as const;
    const successor = rows.find(
      (n) => n.alg === k.alg && n.signsFrom > k.signsFrom && n.signsFrom.getTime() <= at,
    );
    if (!successor) return 'signing' as const;
    return successor.signsFrom.getTime() + TOKEN_TTL_SECONDS * 1000 + 60_000 < at
      ? ('removed' as const)
      : ('retired' as const);
  }

  function privateKeyOf(kid: string, alg: string) {
    let p = privateKeys.get(kid);
    if (!p) {
      p = (async () => {
        const sealed = await findSealed(db, kid, sealedVersion);
        if (!sealed) throw new Error(`The private half of signing key ${kid} is missing.`);
        const jwk = JSON.parse(d.keyring.open(kid, sealedVersion, sealed).toString('utf8')) as JWK;
        return await importJWK(jwk, alg);
      })();
      privateKeys.set(kid, p);
      p.catch(() => privateKeys.delete(kid));
    }
    return p;
  }

  async function rotate(actor: string, alg: SigningAlg, delayMs: number, reason: string) {
    await loadKeys(false, alg);
    const row = await newKey(actor, alg, new Date(now().getTime() + delayMs), reason);
    await loadKeys(true, alg);
    return row;
  }

  return {
    /** Every key a verifier may meet: the signing ones, pending ones, and retired ones whose tokens may live. */
    async jwks() {
      const rows = await loadKeys();
      const at = now().getTime();
      return { keys: rows.filter((k) => stateOf(rows, k, at) !== 'removed').map((k) => k.publicJwk) };
    },

    async list(): Promise<SigningKey[]> {
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

    /** The key that signs `alg` now: the newest of that algorithm whose time has come. */
    async signer(alg: SigningAlg): Promise<{ kid: string; key: KeyMaterial }> {
      const rows = (await loadKeys(false, alg)).filter((k) => k.alg === alg);
      const at = now().getTime();
      const row = [...rows].reverse().find((k) => k.signsFrom.getTime() <= at) ?? rows[0]!;
      return { kid: row.kid, key: await privateKeyOf(row.kid, alg) };
    },

    /**
     * A new signing key of `alg`, published at once and signing after `signsAfterSeconds` (default: the
     * prepublish time), so verifiers that cache the JWKS have it before the first token it signs.
     */
    rotate: (actor: string, signsAfterSeconds?: number, alg: SigningAlg = 'ES256') =>
      rotate(
        actor,
        alg,
        signsAfterSeconds !== undefined ? signsAfterSeconds * 1000 : prepublishMs,
        'on demand',
      ),

    /**
     * Scheduled rotation: for each algorithm in use whose newest key (pending ones too) is older than the
     * interval, a new one, published now and signing after the prepublish time. Audited as any rotation.
     */
    async rotateIfDue(): Promise<repo.SigningKeyRow[]> {
      if (!d.rotationIntervalMs) return [];
      const rows = await loadKeys(true);
      const at = now().getTime();
      const made: repo.SigningKeyRow[] = [];
      for (const alg of signingAlgs) {
        const newest = rows.filter((k) => k.alg === alg).at(-1);
        if (newest && newest.createdAt.getTime() + d.rotationIntervalMs <= at)
          made.push(await rotate('system', alg, prepublishMs, 'scheduled'));
      }
      return made;
    },
  };
}
