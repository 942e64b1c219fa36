// The self-signed certificate of a legacy Run As account (R48/R49): RSA 2048, SHA-256, client authentication,
// valid a number of months (12 by default, Q7), built with @peculiar/x509.
import { webcrypto } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type Keys = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];

/** `months` calendar months after `now` (the day clamped to the month's last day, as 31 January + 1 → 28/29 February). */
export function addMonths(now: Date, months: number): Date {
  const d = new Date(now);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

const pem = (label: string, der: Buffer) =>
  `-----BEGIN ${label}-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n?$/, '\n')}-----END ${label}-----\n`;

/** A new key pair and a self-signed certificate for it; the key is PKCS#8 PEM, to be sealed at once. */
export async function createRunAsCertificate(opts: {
  commonName: string;
  months: number;
  now?: Date;
  /** Overrides `months`: the exact end of validity. */
  notAfter?: Date;
}): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(
    {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    true,
    ['sign', 'verify'],
  )) as unknown as Keys;
  const now = opts.now ?? new Date();
  // A minute's allowance for clocks behind ours.
  const notBefore = new Date(now.getTime() - 60_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: `CN=${opts.commonName.replace(/[,=+<>#;"\\]/g, '_')}`,
    notBefore,
    notAfter: opts.notAfter ?? addMonths(now, opts.months),
    keys,
    signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as never));
  return { certificatePem: cert.toString('pem'), privateKeyPem: pem('PRIVATE KEY', pkcs8) };
}
