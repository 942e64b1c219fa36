// The server trust of a command-line client in its environment: how an agent's hybrid jobs trust the server the
// agent trusts (its pins or its CA file) — kept apart from tls-trust.ts so reading it loads no HTTP client.
import { existsSync } from 'node:fs';
import { isFingerprint, normalizeFingerprint } from './certificate-fingerprint.js';
import type { ServerTrust } from './tls-trust.js';

/**
 * The trust a command-line client is given in its environment — STEWARD_CA_FINGERPRINT (SHA-256 pins,
 * comma-separated) and STEWARD_CA_FILE — as an agent passes its own to the hybrid jobs it runs. Throws naming
 * the variable when a pin is not a fingerprint or the file does not exist.
 */
export function serverTrustFromEnv(env: NodeJS.ProcessEnv): ServerTrust {
  const pins = (env.STEWARD_CA_FINGERPRINT ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of pins)
    if (!isFingerprint(p))
      throw new Error(
        `STEWARD_CA_FINGERPRINT: '${p}' is not a SHA-256 fingerprint (64 hexadecimal digits, colons allowed).`,
      );
  const caFile = env.STEWARD_CA_FILE?.trim();
  if (caFile && !existsSync(caFile)) throw new Error(`STEWARD_CA_FILE: ${caFile} does not exist.`);
  return {
    ...(pins.length ? { fingerprints: pins.map(normalizeFingerprint) } : {}),
    ...(caFile ? { caFile } : {}),
  };
}

/** The environment that gives a child `steward` process this trust (the inverse of `serverTrustFromEnv`). */
export function serverTrustEnv(trust: ServerTrust | undefined): Record<string, string> {
  return {
    ...(trust?.fingerprints?.length ? { STEWARD_CA_FINGERPRINT: trust.fingerprints.join(',') } : {}),
    ...(trust?.caFile ? { STEWARD_CA_FILE: trust.caFile } : {}),
  };
}
