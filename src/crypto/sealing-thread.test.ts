// Proves that credentials sealed on the sealing thread open with the recipient's key and their own associated
// data only, that answers sealed at once each reach their own caller, and that a failure fails its caller alone.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { exportPublicKey, openSealed } from './agent-keys.js';
import { createSealingThread, sealInline } from './sealing-thread.js';

// The thread runs the compiled entry (`npm test` builds first), as the server does.
const sealing = createSealingThread(new URL('../../dist/crypto/sealing-worker.js', import.meta.url));
afterAll(() => sealing.close());

const x25519 = () => {
  const pair = generateKeyPairSync('x25519');
  return { ...pair, spki: exportPublicKey(pair.publicKey) };
};
const values = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({
    plaintext: `{"secret":"${tag}-${i}"}`,
    aad: `cmp_${tag}:acct_${i}:1`,
  }));

describe('the sealing thread', () => {
  it('seals what opens with the recipient’s key and each value’s own data, one ephemeral key an answer', async () => {
    const keys = x25519();
    const wanted = values(3, 'a');
    const envelopes = await sealing.seal(keys.spki, wanted);
    expect(envelopes).toHaveLength(3);
    expect(envelopes.map((e, i) => openSealed(keys.privateKey, e, wanted[i]!.aad).toString())).toEqual(
      wanted.map((w) => w.plaintext),
    );
    expect(new Set(envelopes.map((e) => e.epk)).size).toBe(1);
    expect(new Set(envelopes.map((e) => e.nonce)).size).toBe(3);
    expect(() => openSealed(keys.privateKey, envelopes[0]!, wanted[1]!.aad)).toThrow();
    expect(() => openSealed(x25519().privateKey, envelopes[0]!, wanted[0]!.aad)).toThrow();
  });

  it('answers each of many callers at once with its own envelopes, as sealing inline would', async () => {
    const callers = Array.from({ length: 40 }, (_, i) => ({
      keys: x25519(),
      wanted: values(1 + (i % 5), `c${i}`),
    }));
    const answers = await Promise.all(callers.map((c) => sealing.seal(c.keys.spki, c.wanted)));
    const inline = await Promise.all(callers.map((c) => sealInline.seal(c.keys.spki, c.wanted)));
    callers.forEach((c, i) => {
      expect(answers[i]).toHaveLength(c.wanted.length);
      expect(inline[i]).toHaveLength(c.wanted.length);
      expect(
        answers[i]!.map((e, k) => openSealed(c.keys.privateKey, e, c.wanted[k]!.aad).toString()),
      ).toEqual(c.wanted.map((w) => w.plaintext));
    });
  });

  it('fails the caller whose key is no X25519 key, naming no value, and goes on for the others', async () => {
    const signing = exportPublicKey(generateKeyPairSync('ed25519').publicKey);
    const keys = x25519();
    const [bad, good] = await Promise.allSettled([
      sealing.seal(signing, values(2, 'secret-value')),
      sealing.seal(keys.spki, values(2, 'g')),
    ]);
    expect(bad.status).toBe('rejected');
    expect(String((bad as PromiseRejectedResult).reason)).toMatch(/^Error: sealing failed: /);
    expect(String((bad as PromiseRejectedResult).reason)).not.toContain('secret-value');
    expect(good.status).toBe('fulfilled');
  });

  it('fails what it owes when closed, and starts again at the next seal', async () => {
    const keys = x25519();
    const owed = sealing.seal(keys.spki, values(200, 'owed')).then(
      () => 'sealed',
      (err: Error) => err.message,
    );
    const closed = sealing.close();
    // Sealed on the next thread while the closed one stops: its end fails nothing of the next one's.
    const next = sealing.seal(keys.spki, values(1, 'again'));
    await closed;
    expect(await owed).toBe('the sealing thread was closed');
    const [again] = await next;
    expect(openSealed(keys.privateKey, again!, 'cmp_again:acct_0:1').toString()).toBe('{"secret":"again-0"}');
  });
});
