// Proves the byte counts the contract checks sizes with agree with Node's own, and that the schemas using them
// run where there is no `Buffer` (the console checks its forms with them in the browser).
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialSchema } from './accounts.js';
import { setCertificateBody, setVariableBody } from './automation-assets.js';
import { base64DecodedLength, utf8Length } from './text.js';

describe('byte counts without Buffer', () => {
  it('count what Node decodes base64 to, line breaks and padding included', () => {
    for (let n = 0; n < 300; n++) {
      const b64 = randomBytes(n).toString('base64');
      const wrapped = b64.replace(/(.{64})/g, '$1\r\n');
      expect(base64DecodedLength(b64)).toBe(Buffer.from(b64, 'base64').length);
      expect(base64DecodedLength(wrapped)).toBe(Buffer.from(wrapped, 'base64').length);
    }
  });

  it('count UTF-8 bytes as Node does, astral characters included', () => {
    for (const s of ['', 'abc', 'é', '€', '😀 ok', 'ℵ'.repeat(1000)]) {
      expect(utf8Length(s)).toBe(Buffer.byteLength(s, 'utf8'));
    }
  });
});

describe('schemas in a place without Buffer', () => {
  const saved = globalThis.Buffer;
  afterEach(() => {
    globalThis.Buffer = saved;
  });

  it('check sizes of binary accounts, certificates and variables', () => {
    const big = saved.alloc(64 * 1024 + 1).toString('base64');
    const small = saved.from('certificate bytes').toString('base64');
    // @ts-expect-error the browser has none
    globalThis.Buffer = undefined;
    let results: unknown[];
    try {
      results = [
        credentialSchema.safeParse({ type: 'binary', dataBase64: small }).success,
        credentialSchema.safeParse({ type: 'binary', dataBase64: big }).success,
        setCertificateBody.safeParse({ format: 'cer', certificateBase64: small }).success,
        setCertificateBody.safeParse({ format: 'cer', certificateBase64: big }).error?.issues[0]?.message,
        setVariableBody.safeParse({ value: { a: 'x'.repeat(100) } }).success,
        setVariableBody.safeParse({ value: 'x'.repeat(64 * 1024) }).success,
      ];
    } catch (err) {
      results = [`threw: ${String(err)}`];
    } finally {
      globalThis.Buffer = saved;
    }
    expect(results).toEqual([true, false, true, 'must decode to at most 64 KiB', true, false]);
  });
});
