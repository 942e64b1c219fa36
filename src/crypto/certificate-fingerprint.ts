// SHA-256 fingerprints of certificates: what agents pin to trust a server's self-signed certificate.
import { X509Certificate } from 'node:crypto';

/** The SHA-256 fingerprint of a certificate (PEM text or DER bytes): 64 lower-case hexadecimal characters. */
export function certificateFingerprint(cert: string | Buffer): string {
  return normalizeFingerprint(new X509Certificate(cert).fingerprint256);
}

/** `AB:CD:…` or `abcd…` as 64 lower-case hexadecimal characters (check with `isFingerprint`). */
export function normalizeFingerprint(text: string): string {
  return text.replaceAll(':', '').trim().toLowerCase();
}

export const isFingerprint = (text: string) => /^[0-9a-f]{64}$/.test(normalizeFingerprint(text));
