// The agent's identity on disk: its signing (Ed25519) and sealing (X25519) private keys, mode 0600, and its id.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  exportPrivateKey,
  exportPublicKey,
  generateAgentKeys,
  importPrivateKey,
  keyFingerprint,
} from '../crypto/agent-keys.js';

export interface AgentIdentity {
  signingKey: KeyObject;
  sealingKey: KeyObject;
  /** SPKI DER base64url, as registered with the server. */
  signingPublicKey: string;
  sealingPublicKey: string;
  /** Compare with the fingerprint the administrator sees before approving. */
  fingerprint: string;
  /** Set once enrolled. */
  agentId?: string;
}

const SIGNING_FILE = 'agent-signing-key.pem';
const SEALING_FILE = 'agent-sealing-key.pem';
const STATE_FILE = 'agent.json';

function writePrivate(path: string, text: string) {
  // `wx`: never overwrite a key that is already there.
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

function identityOf(signingKey: KeyObject, sealingKey: KeyObject, agentId?: string): AgentIdentity {
  const signingPublicKey = exportPublicKey(createPublicKey(signingKey));
  return {
    signingKey,
    sealingKey,
    signingPublicKey,
    sealingPublicKey: exportPublicKey(createPublicKey(sealingKey)),
    fingerprint: keyFingerprint(signingPublicKey),
    ...(agentId ? { agentId } : {}),
  };
}

/** Reads the identity kept in `dataDir`, or undefined when there is none yet. */
export function loadIdentity(dataDir: string): AgentIdentity | undefined {
  const signingPath = join(dataDir, SIGNING_FILE);
  const sealingPath = join(dataDir, SEALING_FILE);
  if (!existsSync(signingPath) || !existsSync(sealingPath)) return undefined;
  const statePath = join(dataDir, STATE_FILE);
  const state = existsSync(statePath)
    ? (JSON.parse(readFileSync(statePath, 'utf8')) as { agentId?: string })
    : {};
  return identityOf(
    importPrivateKey(readFileSync(signingPath, 'utf8')),
    importPrivateKey(readFileSync(sealingPath, 'utf8')),
    state.agentId,
  );
}

/** The identity in `dataDir`, creating fresh key pairs (files mode 0600, directory 0700) the first time. */
export function loadOrCreateIdentity(dataDir: string): AgentIdentity {
  const found = loadIdentity(dataDir);
  if (found) return found;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const keys = generateAgentKeys();
  writePrivate(join(dataDir, SIGNING_FILE), exportPrivateKey(keys.signing.privateKey));
  writePrivate(join(dataDir, SEALING_FILE), exportPrivateKey(keys.sealing.privateKey));
  return identityOf(keys.signing.privateKey, keys.sealing.privateKey);
}

/** Remembers the id the server gave at enrollment. */
export function saveAgentId(dataDir: string, agentId: string): void {
  const path = join(dataDir, STATE_FILE);
  writeFileSync(path, `${JSON.stringify({ agentId })}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}
