// Agent key pairs, credentials sealed to an agent's X25519 key, and the agent's short-lived signed assertions.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type JsonWebKey,
  type KeyObject,
  randomBytes,
  randomUUID,
  webcrypto,
} from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';

export const SEAL_INFO = 'steward-seal-v1';
/**
 * The audience every server accepts: the assertion's single use is recorded in the shared database. A server
 * also accepts its own audience (`serverAudience`), whose single use it records in memory.
 */
export const ASSERTION_AUDIENCE = 'steward';
/** The response header in which a server names its own audience to agents. */
export const AUDIENCE_HEADER = 'steward-assertion-audience';
/** The longest an assertion may live, from its `iat` to its `exp`. */
export const MAX_ASSERTION_SECONDS = 60;

export interface AgentKeyPairs {
  signing: { publicKey: KeyObject; privateKey: KeyObject };
  sealing: { publicKey: KeyObject; privateKey: KeyObject };
}

/** A value sealed to one recipient; every field is base64url. */
export interface SealedEnvelope {
  v: 1;
  /** The sender's ephemeral X25519 public key, raw 32 bytes. */
  epk: string;
  /** AES-GCM nonce, 12 bytes. */
  nonce: string;
  /** Ciphertext followed by the 16-byte GCM tag. */
  ct: string;
}

export function generateAgentKeys(): AgentKeyPairs {
  return { signing: generateKeyPairSync('ed25519'), sealing: generateKeyPairSync('x25519') };
}

/** A public key as SPKI DER in base64url: the form agents register with the server. */
export const exportPublicKey = (key: KeyObject) =>
  key.export({ format: 'der', type: 'spki' }).toString('base64url');

/** A private key as PKCS#8 PEM: the form the agent keeps in its data directory. */
export const exportPrivateKey = (key: KeyObject) => key.export({ format: 'pem', type: 'pkcs8' }).toString();

export const importPrivateKey = (pem: string) => createPrivateKey({ key: pem, format: 'pem' });

/** RFC 8410: the SPKI DER of an Ed25519 or X25519 public key is this prefix, then the key's 32 bytes. */
const SPKI_PREFIX = {
  ed25519: Buffer.from('302a300506032b6570032100', 'hex'),
  x25519: Buffer.from('302a300506032b656e032100', 'hex'),
} as const;
const JWK_CURVE = { ed25519: 'Ed25519', x25519: 'X25519' } as const;

/** The key's 32 raw bytes when `der` is the one SPKI encoding a key of this type has; otherwise undefined. */
function rawKeyOf(der: Buffer, type: 'ed25519' | 'x25519'): Buffer | undefined {
  const prefix = SPKI_PREFIX[type];
  return der.length === prefix.length + 32 && der.subarray(0, prefix.length).equals(prefix)
    ? der.subarray(prefix.length)
    : undefined;
}

/** Imports an SPKI DER base64url public key and checks its type; throws a plain Error when it is not one. */
export function importPublicKey(spki: string, type: 'ed25519' | 'x25519'): KeyObject {
  const der = Buffer.from(spki, 'base64url');
  // The one encoding such a key has is imported from its raw bytes, as a JWK: an order of magnitude faster than
  // OpenSSL's DER decoder. Anything else goes through the decoder, which says what it is.
  const raw = rawKeyOf(der, type);
  if (raw)
    return createPublicKey({
      key: { kty: 'OKP', crv: JWK_CURVE[type], x: raw.toString('base64url') },
      format: 'jwk',
    });
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    throw new Error('is not an SPKI public key in base64url');
  }
  if (key.asymmetricKeyType !== type) throw new Error(`must be an ${type} public key`);
  return key;
}

/**
 * An agent's Ed25519 public key (SPKI DER base64url, as enrollment checked it) as the WebCrypto key that
 * verifies its assertions. jose verifies with it as it is; a KeyObject it would first convert, through a JWK
 * export and import, at each new key's first use — at every agent's first request after a start.
 */
export function importVerifyingKey(spki: string): Promise<webcrypto.CryptoKey> {
  const der = Buffer.from(spki, 'base64url');
  const raw = rawKeyOf(der, 'ed25519');
  return webcrypto.subtle.importKey(raw ? 'raw' : 'spki', raw ?? der, 'Ed25519', false, ['verify']);
}

/**
 * An ephemeral X25519 key pair: the private key as a KeyObject, the public key as its raw bytes in base64url,
 * encoded by the generation itself as a JWK. Not `export()` afterwards: its DER costs OpenSSL's encoder ~70 µs
 * here (more than generating the pair), and exporting a JWK from a key just generated can hang Node 20 for good
 * (the export holds the key's lock while it allocates; a collection then that destroys the job which generated
 * the key takes the same lock). Encoded during the generation, the job is alive until it is done.
 */
function ephemeralX25519(): { privateKey: KeyObject; x: string } {
  // Node takes any encoding `export()` takes here; its type declarations list only PEM and DER for X25519.
  const pair = (
    generateKeyPairSync as unknown as (
      type: 'x25519',
      options: { publicKeyEncoding: { format: 'jwk' } },
    ) => { publicKey: JsonWebKey; privateKey: KeyObject }
  )('x25519', { publicKeyEncoding: { format: 'jwk' } });
  if (typeof pair.publicKey.x !== 'string') throw new Error('The ephemeral key has no public value.');
  return { privateKey: pair.privateKey, x: pair.publicKey.x };
}

function sealKey(shared: Buffer, epkRaw: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, epkRaw, SEAL_INFO, 32));
}

/**
 * Seals to a recipient's X25519 public key: ephemeral ECDH, HKDF-SHA256 (salt = ephemeral public key),
 * AES-256-GCM with each value's `aad` bound in. Only the holder of the private key can open what it seals. The
 * values sealed by one sealer share its ephemeral key — one ECDH for the values of one answer — each with its own
 * nonce (never repeated under that key) and bound to its own `aad`, so none can pass for another.
 */
export function sealerTo(recipient: KeyObject): (plaintext: Buffer | string, aad: string) => SealedEnvelope {
  const eph = ephemeralX25519();
  const epk = eph.x;
  const epkRaw = Buffer.from(epk, 'base64url');
  const key = sealKey(diffieHellman({ privateKey: eph.privateKey, publicKey: recipient }), epkRaw);
  // The key is this sealer's alone, so its nonces need only differ from each other: a random base with a
  // counter in its last four bytes, one draw of randomness per answer rather than one per value.
  const base = randomBytes(12);
  const last = base.readUInt32BE(8);
  let sealed = 0;
  return (plaintext, aad) => {
    if (sealed === 0xffffffff) throw new Error('A sealer seals at most 2^32 - 1 values.');
    const nonce = Buffer.from(base);
    nonce.writeUInt32BE((last ^ sealed++) >>> 0, 8);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([
      cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext),
      cipher.final(),
    ]);
    return {
      v: 1,
      epk,
      nonce: nonce.toString('base64url'),
      ct: Buffer.concat([body, cipher.getAuthTag()]).toString('base64url'),
    };
  };
}

/** Seals each value with its associated data to `recipient`, all under one ephemeral key (see `sealerTo`). */
export function sealValues(
  recipient: KeyObject,
  values: readonly { plaintext: string; aad: string }[],
): SealedEnvelope[] {
  const seal = sealerTo(recipient);
  return values.map((v) => seal(v.plaintext, v.aad));
}

/** Seals one value to a recipient's X25519 public key, with an ephemeral key of its own (see `sealerTo`). */
export const sealTo = (recipient: KeyObject, plaintext: Buffer | string, aad: string): SealedEnvelope =>
  sealerTo(recipient)(plaintext, aad);

/** Opens an envelope made by `sealTo` or `sealerTo`; throws on a wrong key, wrong `aad` or any change to the envelope. */
export function openSealed(recipient: KeyObject, envelope: SealedEnvelope, aad: string): Buffer {
  if (envelope?.v !== 1) throw new Error('Unknown sealed envelope version.');
  const epkRaw = Buffer.from(envelope.epk, 'base64url');
  const nonce = Buffer.from(envelope.nonce, 'base64url');
  const ct = Buffer.from(envelope.ct, 'base64url');
  if (epkRaw.length !== 32 || nonce.length !== 12 || ct.length < 16)
    throw new Error('The sealed envelope is malformed.');
  const epk = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: envelope.epk }, format: 'jwk' });
  const key = sealKey(diffieHellman({ privateKey: recipient, publicKey: epk }), epkRaw);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(ct.subarray(ct.length - 16));
  try {
    return Buffer.concat([decipher.update(ct.subarray(0, ct.length - 16)), decipher.final()]);
  } catch {
    throw new Error('The sealed envelope does not open: wrong key, or it was changed.');
  }
}

/** The request an assertion is for: an assertion taken from one request is no good for another. */
export interface AssertedRequest {
  method: string;
  /** The URL path, without query. */
  path: string;
  /** The query string as sent, without `?` (none: empty). */
  query?: string;
}

/** SHA-256, base64url: how an assertion names the exact query string and body bytes it was made for. */
export const requestDigest = (bytes: string | Uint8Array) =>
  createHash('sha256').update(bytes).digest('base64url');

/** The digest of no body at all (GET, and every request without one). */
export const EMPTY_BODY_DIGEST = requestDigest('');

/**
 * A single-use assertion proving possession of the agent's signing key: EdDSA JWT, iss = agent id,
 * aud = `audience` (the server's own, or `steward` for any server), random jti, living `ttlSeconds` (at most
 * 60), and — with `request` — bound to that request's
 * method and path (`htm`, `htu`, as in OAuth DPoP proofs), and to digests of its query string (`qsh`) and of
 * its exact body bytes (`bdh`), so a captured assertion that was not used cannot carry another query or body.
 */
export async function signAssertion(
  privateKey: KeyObject,
  agentId: string,
  opts: {
    now?: Date;
    ttlSeconds?: number;
    audience?: string;
    request?: AssertedRequest & { body?: string | Uint8Array };
  } = {},
): Promise<string> {
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const ttl = Math.min(opts.ttlSeconds ?? 30, MAX_ASSERTION_SECONDS);
  const r = opts.request;
  const claims = r
    ? {
        htm: r.method.toUpperCase(),
        htu: r.path,
        qsh: requestDigest(r.query ?? ''),
        bdh: r.body === undefined ? EMPTY_BODY_DIGEST : requestDigest(r.body),
      }
    : {};
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setIssuer(agentId)
    .setAudience(opts.audience ?? ASSERTION_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .setJti(randomUUID())
    .sign(privateKey);
}

/**
 * Whether the assertion's request is this one: same method, and a path that is the server's path or ends
 * with it (a reverse proxy may serve Steward under a prefix).
 */
function sameRequest(payload: Record<string, unknown>, request: AssertedRequest): boolean {
  const { htm, htu, qsh, bdh } = payload;
  if (
    typeof htm !== 'string' ||
    typeof htu !== 'string' ||
    typeof qsh !== 'string' ||
    typeof bdh !== 'string'
  )
    return false;
  const path = request.path;
  return (
    htm === request.method.toUpperCase() &&
    path.startsWith('/') &&
    (htu === path || htu.endsWith(path)) &&
    qsh === requestDigest(request.query ?? '')
  );
}

/**
 * The agent an assertion claims to come from (to find the key) and the audience it names, read before its
 * signature is checked; undefined when it is not a JWT with both.
 */
export function assertionClaims(jwt: string): { issuer: string; audience: string } | undefined {
  try {
    const { iss, aud } = decodeJwt(jwt);
    if (typeof iss !== 'string' || iss.length > 256 || typeof aud !== 'string' || aud.length > 256)
      return undefined;
    return { issuer: iss, audience: aud };
  } catch {
    return undefined;
  }
}

export interface VerifiedAssertion {
  agentId: string;
  /** The audience it was made for: one of those the check accepted. */
  audience: string;
  jti: string;
  expiresAt: Date;
  /** The body digest it was made for (`bdh`), to compare with the body once it has been read. */
  bodyDigest: string | undefined;
}

/**
 * Checks an assertion's signature against the agent's key and its claims (issuer, one of `audiences`, a life
 * of at most 60 s that includes `now`, a jti). Returns undefined when any of it fails; replay is the caller's
 * check, on the returned jti.
 */
export async function verifyAssertion(
  jwt: string,
  publicKey: KeyObject | webcrypto.CryptoKey,
  agentId: string,
  now: Date = new Date(),
  request?: AssertedRequest,
  audiences: readonly string[] = [ASSERTION_AUDIENCE],
): Promise<VerifiedAssertion | undefined> {
  try {
    if (decodeProtectedHeader(jwt).alg !== 'EdDSA') return undefined;
    const { payload } = await jwtVerify(jwt, publicKey, {
      algorithms: ['EdDSA'],
      issuer: agentId,
      audience: [...audiences],
      requiredClaims: ['iat', 'exp', 'jti'],
      currentDate: now,
      clockTolerance: 5,
    });
    const { iat, exp, jti, aud } = payload as { iat: number; exp: number; jti: unknown; aud: unknown };
    if (typeof aud !== 'string') return undefined;
    if (typeof jti !== 'string' || jti.length < 16 || jti.length > 128) return undefined;
    if (exp <= iat || exp - iat > MAX_ASSERTION_SECONDS) return undefined;
    // A clock ahead of ours by more than the tolerance gets no assertion that outlives its window.
    if (iat > now.getTime() / 1000 + 5) return undefined;
    if (request && !sameRequest(payload, request)) return undefined;
    const bodyDigest = typeof payload.bdh === 'string' ? payload.bdh : undefined;
    return { agentId, audience: aud, jti, expiresAt: new Date(exp * 1000), bodyDigest };
  } catch {
    return undefined;
  }
}

/** A short fingerprint of a public key (SHA-256 of its SPKI DER) that a person can compare on both ends. */
export const keyFingerprint = (spkiBase64url: string) =>
  `SHA256:${createHash('sha256').update(Buffer.from(spkiBase64url, 'base64url')).digest('base64url')}`;
