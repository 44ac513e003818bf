import { generateKeyPair, randomBytes, sign } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

/**
 * A small certificate authority for demos and tests: a root, and signing certificates for units
 * (CN = unit code, O = unit name). Keys come from node:crypto; node-forge only builds and signs
 * the X.509 structures.
 */
export interface CertificateAuthority {
  certificatePem: string;
  privateKeyPem: string;
}

export interface IssuedCertificate {
  certificatePem: string;
  privateKeyPem: string;
  /** Leaf first, then the issuing CA. */
  chainPem: string[];
}

interface Validity {
  notBefore?: Date;
  notAfter?: Date;
}

async function rsaKeys(): Promise<{ publicPem: string; privatePem: string }> {
  const { publicKey, privateKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
  });
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Signs with node:crypto: forge's own RSA is pure JavaScript and a hundred times slower. */
function signWithNode(certificate: forge.pki.Certificate, privateKeyPem: string): void {
  let tbs = '';
  const digest = {
    algorithm: 'sha256',
    update(bytes: string) {
      tbs += bytes;
      return digest;
    },
  };
  const key = {
    sign: () => sign('sha256', Buffer.from(tbs, 'binary'), privateKeyPem).toString('binary'),
  };
  certificate.sign(
    key as unknown as forge.pki.rsa.PrivateKey,
    digest as unknown as forge.md.MessageDigest,
  );
}

function baseCertificate(publicPem: string, validity: Validity): forge.pki.Certificate {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicPem);
  // A positive serial in minimal DER: an even number of hex digits (forge reads an odd count as
  // a leading zero byte, which OpenSSL then refuses as illegal padding), first byte 0x01…0x7f.
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01;
  certificate.serialNumber = serial.toString('hex');
  certificate.validity.notBefore = validity.notBefore ?? new Date(Date.now() - 3600_000);
  certificate.validity.notAfter = validity.notAfter ?? new Date(Date.now() + 3 * 365 * 86_400_000);
  return certificate;
}

export async function createCertificateAuthority(
  name = 'baocao-gateway demo CA',
  validity: Validity = {},
): Promise<CertificateAuthority> {
  const keys = await rsaKeys();
  const certificate = baseCertificate(keys.publicPem, validity);
  const subject = [
    { name: 'countryName', value: 'VN' },
    { name: 'organizationName', value: 'baocao-gateway (demo)' },
    { name: 'commonName', value: name, valueTagClass: forge.asn1.Type.UTF8 },
  ] as forge.pki.CertificateField[];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signWithNode(certificate, keys.privatePem);
  return {
    certificatePem: forge.pki.certificateToPem(certificate),
    privateKeyPem: keys.privatePem,
  };
}

export async function issueCertificate(
  authority: CertificateAuthority,
  subject: { commonName: string; organisation: string },
  validity: Validity = {},
  /** For a TLS server certificate: the host names and IP addresses it serves. */
  tlsServerFor?: string[],
): Promise<IssuedCertificate> {
  const keys = await rsaKeys();
  const issuer = forge.pki.certificateFromPem(authority.certificatePem);
  const certificate = baseCertificate(keys.publicPem, validity);
  certificate.setSubject([
    { name: 'countryName', value: 'VN' },
    { name: 'organizationName', value: subject.organisation, valueTagClass: forge.asn1.Type.UTF8 },
    { name: 'commonName', value: subject.commonName },
  ] as forge.pki.CertificateField[]);
  // forge reads UTF8String values as raw bytes and would encode them a second time.
  certificate.setIssuer(
    issuer.subject.attributes.map((attribute) =>
      (attribute.valueTagClass as unknown) === forge.asn1.Type.UTF8
        ? { ...attribute, value: forge.util.decodeUtf8(String(attribute.value)) }
        : attribute,
    ),
  );
  certificate.setExtensions(
    tlsServerFor
      ? [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
          { name: 'extKeyUsage', serverAuth: true },
          {
            name: 'subjectAltName',
            altNames: tlsServerFor.map((host) =>
              /^[\d.]+$/.test(host) ? { type: 7, ip: host } : { type: 2, value: host },
            ),
          },
        ]
      : [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
        ],
  );
  signWithNode(certificate, authority.privateKeyPem);
  const certificatePem = forge.pki.certificateToPem(certificate);
  return {
    certificatePem,
    privateKeyPem: keys.privatePem,
    chainPem: [certificatePem, authority.certificatePem],
  };
}
