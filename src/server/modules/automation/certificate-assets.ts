// Reads an uploaded certificate asset (PFX with its password, PEM with an optional key, or a public-only
// DER file) into what may be shown and the private key to seal. Errors name the field, never a secret.
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { z } from 'zod';
import type { setCertificateBody } from '../../../contract/automation-assets.js';
import { Pkcs12Error, readPkcs12 } from '../../../crypto/pkcs12.js';
import { invalid } from '../../errors.js';

export interface CertificateUpload {
  publicFields: {
    thumbprint: string;
    thumbprintSha256: string;
    subject: string;
    issuer: string;
    notBefore: string;
    notAfter: string;
    hasPrivateKey: boolean;
    exportable: boolean;
    certificatePem: string;
  };
  /** PKCS#8 PEM, unencrypted: sealed, never shown. */
  privateKeyPem: string | undefined;
  expiresAt: Date;
}

const hex = (fingerprint: string) => fingerprint.replace(/:/g, '').toUpperCase();

function facts(cert: X509Certificate, key: KeyObject | undefined, exportable: boolean): CertificateUpload {
  const notAfter = new Date(cert.validTo);
  return {
    publicFields: {
      thumbprint: hex(cert.fingerprint),
      thumbprintSha256: hex(cert.fingerprint256),
      subject: cert.subject.replace(/\n/g, ', '),
      issuer: cert.issuer.replace(/\n/g, ', '),
      notBefore: new Date(cert.validFrom).toISOString(),
      notAfter: notAfter.toISOString(),
      hasPrivateKey: Boolean(key),
      exportable: Boolean(key) && exportable,
      certificatePem: cert.toString(),
    },
    privateKeyPem: key ? (key.export({ type: 'pkcs8', format: 'pem' }) as string) : undefined,
    expiresAt: notAfter,
  };
}

function readCertificate(data: string | Buffer, path: string): X509Certificate {
  try {
    return new X509Certificate(data);
  } catch {
    throw invalid(path, 'is not a readable X.509 certificate');
  }
}

export function readCertificateUpload(body: z.infer<typeof setCertificateBody>): CertificateUpload {
  if (body.format === 'cer') {
    const der = Buffer.from(body.certificateBase64, 'base64');
    return facts(readCertificate(der, 'body.certificateBase64'), undefined, false);
  }
  if (body.format === 'pem') {
    const cert = readCertificate(body.certificatePem, 'body.certificatePem');
    let key: KeyObject | undefined;
    if (body.privateKeyPem) {
      const encrypted = /ENCRYPTED/.test(body.privateKeyPem);
      if (encrypted && !body.privateKeyPassphrase)
        throw invalid('body.privateKeyPassphrase', 'is required: the private key is encrypted');
      try {
        key = createPrivateKey({ key: body.privateKeyPem, passphrase: body.privateKeyPassphrase });
      } catch {
        throw encrypted
          ? invalid('body.privateKeyPassphrase', 'is wrong, or the private key cannot be read')
          : invalid('body.privateKeyPem', 'is not a readable private key (PEM)');
      }
      if (!cert.checkPrivateKey(key))
        throw invalid('body.privateKeyPem', 'does not belong to the certificate');
    }
    return facts(cert, key, body.exportable);
  }
  let contents: ReturnType<typeof readPkcs12>;
  try {
    contents = readPkcs12(Buffer.from(body.pfxBase64, 'base64'), body.password ?? '');
  } catch (err) {
    if (!(err instanceof Pkcs12Error)) throw err;
    if (err.reason === 'wrong-password')
      throw invalid(
        'body.password',
        body.password ? 'is wrong for this PFX file' : 'is required for this PFX file',
      );
    throw invalid('body.pfxBase64', err.message);
  }
  // The certificate is the one whose key the file holds; without a key, the first (public-only PFX).
  for (const cert of contents.certificates) {
    const key = contents.keys.find((k) => cert.checkPrivateKey(k));
    if (key) return facts(cert, key, body.exportable);
  }
  const first = contents.certificates[0];
  if (!first) throw invalid('body.pfxBase64', 'holds no certificate');
  if (contents.keys.length)
    throw invalid('body.pfxBase64', 'holds a private key that belongs to none of its certificates');
  return facts(first, undefined, false);
}
