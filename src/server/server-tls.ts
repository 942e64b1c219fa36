// The server's TLS: the certificate files it is given (reloaded when they change), or a self-signed
// certificate made on first start and kept in the data directory; and the fingerprint agents pin.
import { existsSync, mkdirSync, readFileSync, unwatchFile, watchFile, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { certificateFingerprint } from '../crypto/certificate-fingerprint.js';
import { createSelfSignedCertificate } from '../crypto/tls-certificate.js';
import type { ServerConfig } from './config.js';

export interface TlsPair {
  cert: string;
  key: string;
}

export interface ServerTls {
  current(): TlsPair;
  /** SHA-256 of the certificate now served: what `steward agent --ca-fingerprint` pins. */
  fingerprint(): string;
  /** Calls `apply` with each new valid pair written to the files; a bad pair is reported and not used. */
  watch(apply: (pair: TlsPair) => void, onError: (err: Error) => void): () => void;
}

function readPair(certFile: string, keyFile: string): TlsPair {
  const pair = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  createSecureContext(pair); // throws for a certificate and key that do not belong together
  return pair;
}

/** Undefined when this server speaks plain HTTP. */
export async function loadServerTls(config: ServerConfig): Promise<ServerTls | undefined> {
  const tls = config.tls;
  if (tls.kind === 'off') return undefined;
  let certFile: string;
  let keyFile: string;
  if (tls.kind === 'files') {
    ({ certFile, keyFile } = tls);
  } else {
    const dir = join(config.dataDir, 'tls');
    certFile = join(dir, 'server.crt');
    keyFile = join(dir, 'server.key');
    if (!existsSync(certFile) || !existsSync(keyFile)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const names = [config.serverName, hostname(), 'localhost', '127.0.0.1', '::1'];
      if (!['0.0.0.0', '::'].includes(config.host)) names.push(config.host);
      const made = await createSelfSignedCertificate({ commonName: `Steward ${config.serverName}`, names });
      writeFileSync(keyFile, made.keyPem, { mode: 0o600 });
      writeFileSync(certFile, made.certPem, { mode: 0o644 });
    }
  }
  let pair = readPair(certFile, keyFile);
  return {
    current: () => pair,
    fingerprint: () => certificateFingerprint(pair.cert),
    watch(apply, onError) {
      if (tls.kind !== 'files') return () => {};
      const reload = () => {
        try {
          const next = readPair(certFile, keyFile);
          if (next.cert === pair.cert && next.key === pair.key) return;
          pair = next;
          apply(pair);
        } catch (err) {
          onError(err as Error);
        }
      };
      watchFile(certFile, { interval: 1000 }, reload);
      watchFile(keyFile, { interval: 1000 }, reload);
      return () => {
        unwatchFile(certFile, reload);
        unwatchFile(keyFile, reload);
      };
    },
  };
}
