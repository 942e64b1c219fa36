// A server's self-signed certificate, made on first start: ECDSA P-256, built with @peculiar/x509.
import { webcrypto } from 'node:crypto';
import 'reflect-metadata';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface CertificatePair {
  certPem: string;
  keyPem: string;
}

/** A self-signed server certificate for these host names and addresses, valid for `days`. */
export async function createSelfSignedCertificate(opts: {
  commonName: string;
  names: string[];
  days?: number;
  now?: Date;
}): Promise<CertificatePair> {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];
  const notBefore = new Date((opts.now ?? new Date()).getTime() - 60_000);
  const notAfter = new Date(notBefore.getTime() + (opts.days ?? 825) * 86_400_000);
  const san = [...new Set(opts.names)].map((n) => ({
    type: isIP(n) ? ('ip' as const) : ('dns' as const),
    value: n,
  }));
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${opts.commonName.replace(/[,=+<>#;"\\]/g, '_')}`,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(san),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as never));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
  return { certPem: cert.toString('pem'), keyPem };
}
