// How a client trusts a Steward server over HTTPS: the system's CAs, a CA file, or pinned certificate
// fingerprints (a server's self-signed certificate). A pin that does not match ends the connection before
// any request, so no token or assertion is ever sent to the wrong server.
import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { certificateFingerprint, normalizeFingerprint } from './certificate-fingerprint.js';

export interface ServerTrust {
  /** SHA-256 fingerprints of the server certificates to accept (`AB:CD:…` or hex). */
  fingerprints?: string[];
  /** A PEM file of the CA (or the certificate itself) to trust instead of the system's. */
  caFile?: string;
}

export class PinMismatchError extends Error {
  readonly code = 'CERTIFICATE_PIN_MISMATCH';
}

/** A `fetch` that trusts servers as `trust` says; the global fetch when nothing is pinned. */
export function trustingFetch(trust: ServerTrust): typeof fetch {
  const pins = new Set((trust.fingerprints ?? []).map(normalizeFingerprint));
  if (!pins.size && !trust.caFile) return globalThis.fetch;
  const ca = trust.caFile ? readFileSync(trust.caFile, 'utf8') : undefined;
  // No session resumption when pinning: a resumed session shows no certificate to check.
  const base = buildConnector(pins.size ? { rejectUnauthorized: false, maxCachedSessions: 0 } : { ca });
  const dispatcher = new Agent({
    connect: (opts, callback) =>
      base(opts, (err, socket) => {
        if (err || !socket || opts.protocol !== 'https:' || !pins.size) {
          callback(err, socket as never);
          return;
        }
        const raw = (socket as TLSSocket).getPeerCertificate(false)?.raw;
        const seen = raw ? certificateFingerprint(raw) : '';
        if (!pins.has(seen)) {
          socket.destroy();
          callback(
            new PinMismatchError(
              `The server's certificate (SHA-256 ${seen || 'none'}) is not the pinned one: refusing to talk to it.`,
            ),
            null,
          );
          return;
        }
        callback(null, socket);
      }),
  });
  return ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input as never, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
}
