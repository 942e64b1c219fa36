// Proves the server's TLS material: a self-signed certificate is made once and kept (key mode 0600), and
// given certificate files are reloaded when they change, while a bad new pair is refused and the old kept.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certificateFingerprint } from '../crypto/certificate-fingerprint.js';
import { createSelfSignedCertificate } from '../crypto/tls-certificate.js';
import { loadServerConfig } from './config.js';
import { loadServerTls, type TlsPair } from './server-tls.js';

const until = async (what: string, ok: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('server TLS', () => {
  it('makes a self-signed certificate on first start and keeps it for the next', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'steward-tls-'));
    const config = loadServerConfig({ STEWARD_DATA_DIR: dataDir, STEWARD_HOST: '0.0.0.0' });
    expect(config.tls).toEqual({ kind: 'self-signed' });
    const first = await loadServerTls(config);
    expect(statSync(join(dataDir, 'tls', 'server.key')).mode & 0o777).toBe(0o600);
    const again = await loadServerTls(config);
    expect(again!.fingerprint()).toBe(first!.fingerprint());
    expect(first!.fingerprint()).toBe(
      certificateFingerprint(readFileSync(join(dataDir, 'tls', 'server.crt'))),
    );
  });

  it('stays plain HTTP on loopback unless asked, and refuses half a pair of files', () => {
    expect(loadServerConfig({}).tls).toEqual({ kind: 'off' });
    expect(loadServerConfig({ STEWARD_TLS: 'on' }).tls).toEqual({ kind: 'self-signed' });
    expect(() => loadServerConfig({ STEWARD_TLS_CERT_FILE: '/x.crt' })).toThrow(/STEWARD_TLS_KEY_FILE/);
  });

  it('reloads given files when they change, and keeps the old pair when the new one is bad', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-tls-files-'));
    const certFile = join(dir, 'c.pem');
    const keyFile = join(dir, 'k.pem');
    const one = await createSelfSignedCertificate({ commonName: 'one', names: ['localhost'] });
    const two = await createSelfSignedCertificate({ commonName: 'two', names: ['localhost'] });
    writeFileSync(certFile, one.certPem);
    writeFileSync(keyFile, one.keyPem);
    const tls = await loadServerTls(
      loadServerConfig({ STEWARD_TLS_CERT_FILE: certFile, STEWARD_TLS_KEY_FILE: keyFile }),
    );
    const applied: TlsPair[] = [];
    const errors: Error[] = [];
    const stop = tls!.watch(
      (p) => applied.push(p),
      (e) => errors.push(e),
    );
    try {
      // The watchers take their first look at the files in the background: change them only after it.
      await new Promise((r) => setTimeout(r, 1500));
      // A certificate without its key does not go together: refused, the old pair stays.
      writeFileSync(certFile, two.certPem);
      await until('the mismatched pair to be refused', () => errors.length > 0);
      expect(applied).toEqual([]);
      expect(tls!.fingerprint()).toBe(certificateFingerprint(one.certPem));
      await new Promise((r) => setTimeout(r, 1100));
      writeFileSync(keyFile, two.keyPem);
      await until('the new pair to be applied', () => applied.length > 0);
      expect(tls!.fingerprint()).toBe(certificateFingerprint(two.certPem));
    } finally {
      stop();
    }
  });
});
