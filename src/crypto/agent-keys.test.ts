// Proves that sealed envelopes open only with the right key and associated data and detect any change,
// and that assertions verify only when signed by the right key, for the right agent, within their life.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { resolve } from 'node:path';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  ASSERTION_AUDIENCE,
  assertionClaims,
  exportPrivateKey,
  exportPublicKey,
  generateAgentKeys,
  importPrivateKey,
  importPublicKey,
  importVerifyingKey,
  openSealed,
  sealerTo,
  sealTo,
  signAssertion,
  verifyAssertion,
} from './agent-keys.js';

const flip = (b64: string, at = 0) => {
  const buf = Buffer.from(b64, 'base64url');
  buf[at] = buf[at]! ^ 1;
  return buf.toString('base64url');
};

describe('sealing', () => {
  const keys = generateAgentKeys();
  const aad = 'cmp_a:acct_b:3';

  // Node 20 deadlocks when a collection during the JWK export of a key just generated (the export holds the
  // key's lock while it allocates) destroys the generating job, which takes the same lock: the process hangs,
  // idle, for good. A server sealing for a reconnecting fleet did. Run where a hang can be told from an end.
  it('seals answer after answer, collections included, without hanging the process', () => {
    const built = resolve(import.meta.dirname, '../../dist/crypto/agent-keys.js');
    const script = `
      import { generateKeyPairSync } from 'node:crypto';
      import { sealerTo } from ${JSON.stringify(built)};
      const recipient = generateKeyPairSync('x25519').publicKey;
      const kept = [];
      for (let i = 0; i < 20000; i++) {
        sealerTo(recipient)('{"secret":"x"}', 'cmp_a:acct_b:' + i);
        kept.push('x'.repeat(64));
        if (kept.length > 1000) kept.length = 0;
      }
      process.stdout.write('sealed');`;
    // A young generation of 1 MiB collects every few answers: the old sealer hung within seconds so.
    const run = spawnSync(
      process.execPath,
      ['--max-semi-space-size=1', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        timeout: 30_000,
        killSignal: 'SIGKILL',
      },
    );
    expect({ signal: run.signal, status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({
      signal: null,
      status: 0,
      stdout: 'sealed',
      stderr: '',
    });
  }, 40_000);

  it('opens with the recipient key and the same associated data', () => {
    const env = sealTo(keys.sealing.publicKey, 'hunter2', aad);
    expect(env.v).toBe(1);
    expect(JSON.stringify(env)).not.toContain('hunter2');
    expect(openSealed(keys.sealing.privateKey, env, aad).toString()).toBe('hunter2');
  });

  it('uses a fresh ephemeral key and nonce each time', () => {
    const a = sealTo(keys.sealing.publicKey, 'x', aad);
    const b = sealTo(keys.sealing.publicKey, 'x', aad);
    expect(a.epk).not.toBe(b.epk);
    expect(a.nonce).not.toBe(b.nonce);
  });

  it('refuses another key, other associated data and every changed field', () => {
    const env = sealTo(keys.sealing.publicKey, 'secret value', aad);
    const other = generateAgentKeys();
    expect(() => openSealed(other.sealing.privateKey, env, aad)).toThrow();
    expect(() => openSealed(keys.sealing.privateKey, env, 'cmp_a:acct_b:4')).toThrow();
    expect(() => openSealed(keys.sealing.privateKey, { ...env, ct: flip(env.ct) }, aad)).toThrow();
    expect(() => openSealed(keys.sealing.privateKey, { ...env, ct: flip(env.ct, 13) }, aad)).toThrow();
    expect(() => openSealed(keys.sealing.privateKey, { ...env, nonce: flip(env.nonce) }, aad)).toThrow();
    expect(() => openSealed(keys.sealing.privateKey, { ...env, epk: flip(env.epk) }, aad)).toThrow();
    expect(() => openSealed(keys.sealing.privateKey, { ...env, v: 2 as 1 }, aad)).toThrow();
    expect(() => openSealed(keys.sealing.privateKey, { ...env, ct: '' }, aad)).toThrow();
  });

  it('seals the values of one answer with one ephemeral key, each with its own nonce and bound to its own data', () => {
    const seal = sealerTo(keys.sealing.publicKey);
    const first = seal('password one', 'cmp_a:acct_1:1');
    const second = seal('password two', 'cmp_a:acct_2:1');
    expect(first.epk).toBe(second.epk);
    expect(first.nonce).not.toBe(second.nonce);
    expect(openSealed(keys.sealing.privateKey, first, 'cmp_a:acct_1:1').toString()).toBe('password one');
    expect(openSealed(keys.sealing.privateKey, second, 'cmp_a:acct_2:1').toString()).toBe('password two');
    // Neither passes for the other, nor opens for another agent.
    expect(() => openSealed(keys.sealing.privateKey, first, 'cmp_a:acct_2:1')).toThrow();
    expect(() =>
      openSealed(keys.sealing.privateKey, { ...second, ct: first.ct }, 'cmp_a:acct_2:1'),
    ).toThrow();
    expect(() => openSealed(generateAgentKeys().sealing.privateKey, first, 'cmp_a:acct_1:1')).toThrow();
    // Another answer, another ephemeral key.
    expect(sealerTo(keys.sealing.publicKey)('x', aad).epk).not.toBe(first.epk);
  });

  it('never repeats a nonce under one sealer, and every value it seals opens', () => {
    const seal = sealerTo(keys.sealing.publicKey);
    const envelopes = Array.from({ length: 500 }, (_, i) => seal(`secret ${i}`, `cmp_a:acct_${i}:1`));
    expect(new Set(envelopes.map((e) => e.nonce)).size).toBe(500);
    envelopes.forEach((e, i) => {
      expect(Buffer.from(e.nonce, 'base64url')).toHaveLength(12);
      expect(openSealed(keys.sealing.privateKey, e, `cmp_a:acct_${i}:1`).toString()).toBe(`secret ${i}`);
    });
    // Nonces of two sealers are drawn apart: their first nonces differ.
    expect(sealerTo(keys.sealing.publicKey)('x', aad).nonce).not.toBe(envelopes[0]!.nonce);
  });

  it('round-trips keys through their exported forms and checks key types', () => {
    const pub = importPublicKey(exportPublicKey(keys.sealing.publicKey), 'x25519');
    const priv = importPrivateKey(exportPrivateKey(keys.sealing.privateKey));
    expect(openSealed(priv, sealTo(pub, 'v', aad), aad).toString()).toBe('v');
    expect(() => importPublicKey(exportPublicKey(keys.signing.publicKey), 'x25519')).toThrow(/x25519/);
    expect(() => importPublicKey('not a key', 'ed25519')).toThrow(/SPKI/);
  });
});

describe('assertions', () => {
  const keys = generateAgentKeys();
  const pub = keys.signing.publicKey;

  it('verify for the signing agent and carry a random jti', async () => {
    const a = await signAssertion(keys.signing.privateKey, 'cmp_1');
    const b = await signAssertion(keys.signing.privateKey, 'cmp_1');
    expect(assertionClaims(a)).toEqual({ issuer: 'cmp_1', audience: ASSERTION_AUDIENCE });
    const va = await verifyAssertion(a, pub, 'cmp_1');
    const vb = await verifyAssertion(b, pub, 'cmp_1');
    expect(va?.agentId).toBe('cmp_1');
    expect(va?.audience).toBe(ASSERTION_AUDIENCE);
    expect(va?.jti).not.toBe(vb?.jti);
    expect(va!.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 61_000);
  });

  it('bind to the method and path of their request when asked to', async () => {
    const request = { method: 'get', path: '/api/v1/agent/config' };
    const bound = await signAssertion(keys.signing.privateKey, 'cmp_1', { request });
    const now = new Date();
    expect(
      await verifyAssertion(bound, pub, 'cmp_1', now, { method: 'GET', path: '/api/v1/agent/config' }),
    ).toBeDefined();
    expect(
      await verifyAssertion(bound, pub, 'cmp_1', now, { method: 'POST', path: '/api/v1/agent/config' }),
    ).toBe(undefined);
    expect(
      await verifyAssertion(bound, pub, 'cmp_1', now, { method: 'GET', path: '/api/v1/agent/workflows' }),
    ).toBe(undefined);
    // A path that only shares a tail without a separator is another path.
    expect(await verifyAssertion(bound, pub, 'cmp_1', now, { method: 'GET', path: 'config' })).toBe(
      undefined,
    );
    const unbound = await signAssertion(keys.signing.privateKey, 'cmp_1');
    expect(await verifyAssertion(unbound, pub, 'cmp_1', now, request)).toBe(undefined);
  });

  it('are refused when signed by another key, for another agent, or expired', async () => {
    const other = generateAgentKeys();
    expect(await verifyAssertion(await signAssertion(other.signing.privateKey, 'cmp_1'), pub, 'cmp_1')).toBe(
      undefined,
    );
    expect(await verifyAssertion(await signAssertion(keys.signing.privateKey, 'cmp_2'), pub, 'cmp_1')).toBe(
      undefined,
    );
    const old = await signAssertion(keys.signing.privateKey, 'cmp_1', {
      now: new Date(Date.now() - 120_000),
    });
    expect(await verifyAssertion(old, pub, 'cmp_1')).toBe(undefined);
    expect(await verifyAssertion('garbage', pub, 'cmp_1')).toBe(undefined);
    expect(assertionClaims('garbage')).toBe(undefined);
  });

  it('name the audience they were made for, and verify only where it is accepted', async () => {
    const own = await signAssertion(keys.signing.privateKey, 'cmp_1', { audience: 'steward:server-a' });
    expect(assertionClaims(own)).toEqual({ issuer: 'cmp_1', audience: 'steward:server-a' });
    expect(await verifyAssertion(own, pub, 'cmp_1')).toBe(undefined);
    expect(
      await verifyAssertion(own, pub, 'cmp_1', new Date(), undefined, ['steward', 'steward:server-b']),
    ).toBe(undefined);
    const v = await verifyAssertion(own, pub, 'cmp_1', new Date(), undefined, [
      'steward',
      'steward:server-a',
    ]);
    expect(v?.audience).toBe('steward:server-a');
  });

  it('are refused when they would live longer than 60 seconds or lack a jti', async () => {
    const now = Math.floor(Date.now() / 1000);
    const long = await new SignJWT({ jti: 'a'.repeat(20) })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer('cmp_1')
      .setAudience('steward')
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(keys.signing.privateKey);
    expect(await verifyAssertion(long, pub, 'cmp_1')).toBe(undefined);
    const noJti = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer('cmp_1')
      .setAudience('steward')
      .setIssuedAt(now)
      .setExpirationTime(now + 30)
      .sign(keys.signing.privateKey);
    expect(await verifyAssertion(noJti, pub, 'cmp_1')).toBe(undefined);
  });

  it('verify with the WebCrypto key imported from the SPKI the agent registered, and with no other', async () => {
    const verifying = await importVerifyingKey(exportPublicKey(pub));
    expect(verifying.type).toBe('public');
    expect(verifying.usages).toEqual(['verify']);
    const a = await signAssertion(keys.signing.privateKey, 'cmp_1');
    expect((await verifyAssertion(a, verifying, 'cmp_1'))?.agentId).toBe('cmp_1');
    const other = await importVerifyingKey(exportPublicKey(generateAgentKeys().signing.publicKey));
    expect(await verifyAssertion(a, other, 'cmp_1')).toBe(undefined);
    const [header, payload, signature] = a.split('.');
    expect(await verifyAssertion(`${header}.${payload}.${flip(signature!)}`, verifying, 'cmp_1')).toBe(
      undefined,
    );
  });

  it('take only an Ed25519 key as the verifying key', async () => {
    await expect(importVerifyingKey(exportPublicKey(keys.sealing.publicKey))).rejects.toThrow();
    await expect(importVerifyingKey(Buffer.from('not a key').toString('base64url'))).rejects.toThrow();
  });

  it('are refused when signed with another algorithm', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const now = Math.floor(Date.now() / 1000);
    const es = await new SignJWT({ jti: 'a'.repeat(20) })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('cmp_1')
      .setAudience('steward')
      .setIssuedAt(now)
      .setExpirationTime(now + 30)
      .sign(ec.privateKey);
    expect(await verifyAssertion(es, ec.publicKey, 'cmp_1')).toBe(undefined);
  });
});
