// The certificate of a legacy Run As account: the enterprise-CA one a request brings (with its private key, R49),
// or a new self-signed one of the asked validity (Q7). Read before any transaction is opened.
import type { z } from 'zod';
import type { setCertificateBody } from '../../../contract/automation-assets.js';
import { DEFAULT_RUN_AS_MONTHS } from '../../../contract/runas.js';
import { createRunAsCertificate } from '../../../crypto/run-as-certificate.js';
import { invalid } from '../../errors.js';
import { type CertificateUpload, readCertificateUpload } from '../automation/certificate-assets.js';

/** The certificate a request brings (R49) or a new self-signed one; read before any transaction. */
export async function certificateFor(
  body: { validityMonths?: number; certificate?: z.infer<typeof setCertificateBody> },
  commonName: string,
  now: Date,
): Promise<{ upload: CertificateUpload; source: 'self-signed' | 'enterprise-ca'; months: number | null }> {
  if (body.certificate) {
    if (body.certificate.format === 'cer')
      throw invalid(
        'body.certificate.format',
        'must be pfx or pem: the Run As certificate needs its private key',
      );
    if (body.validityMonths !== undefined)
      throw invalid(
        'body.validityMonths',
        'applies to a self-signed certificate only, not to an uploaded one',
      );
    const upload = readCertificateUpload({ ...body.certificate, exportable: true });
    if (!upload.privateKeyPem)
      throw invalid('body.certificate', 'holds no private key: the Run As certificate needs one to sign in');
    if (upload.expiresAt.getTime() <= now.getTime()) throw invalid('body.certificate', 'has expired');
    return { upload, source: 'enterprise-ca', months: null };
  }
  const months = body.validityMonths ?? DEFAULT_RUN_AS_MONTHS;
  const made = await createRunAsCertificate({ commonName, months, now });
  const upload = readCertificateUpload({
    format: 'pem',
    exportable: true,
    certificatePem: made.certificatePem,
    privateKeyPem: made.privateKeyPem,
  });
  return { upload, source: 'self-signed', months };
}
