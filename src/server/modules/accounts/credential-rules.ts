// Rules about a credential that need more than its schema: certificate parsing and the public/secret split.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { type Credential, publicFieldNames } from '../../../contract/accounts.js';
import { AppError } from '../../errors.js';

export interface CertificateFacts {
  subject: string;
  issuer: string;
  thumbprint: string;
  notAfter: Date;
}

/** Reads the certificate of a certificate account and checks that the private key belongs to it. */
export function certificateFacts(c: Extract<Credential, { type: 'certificate' }>): CertificateFacts {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(c.certificatePem);
  } catch {
    throw new AppError(
      'VALIDATION_FAILED',
      'credential.certificatePem: is not a readable X.509 certificate.',
      [{ path: 'body.credential.certificatePem', message: 'is not a readable X.509 certificate' }],
    );
  }
  let matches = false;
  try {
    matches = cert.checkPrivateKey(createPrivateKey({ key: c.privateKeyPem, passphrase: c.passphrase }));
  } catch {
    throw new AppError(
      'VALIDATION_FAILED',
      'credential.privateKeyPem: cannot be read (wrong format or passphrase).',
      [{ path: 'body.credential.privateKeyPem', message: 'cannot be read (wrong format or passphrase)' }],
    );
  }
  if (!matches) {
    throw new AppError('VALIDATION_FAILED', 'credential.privateKeyPem: does not belong to the certificate.', [
      { path: 'body.credential.privateKeyPem', message: 'does not belong to the certificate' },
    ]);
  }
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    thumbprint: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
    notAfter: new Date(cert.validTo),
  };
}

/** Splits a credential into the fields that may be shown and the sealed remainder. */
export function splitCredential(c: Credential): {
  publicFields: Record<string, unknown>;
  secret: Record<string, unknown>;
} {
  const shown = new Set(publicFieldNames[c.type]);
  const publicFields: Record<string, unknown> = {};
  const secret: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) {
    if (k === 'type' || v === undefined) continue;
    if (shown.has(k)) publicFields[k] = v;
    else secret[k] = v;
  }
  return { publicFields, secret };
}
