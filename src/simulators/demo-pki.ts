import { generateKeyPairSync, randomBytes } from 'node:crypto';
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

function rsaKeys(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function baseCertificate(publicPem: string, validity: Validity): forge.pki.Certificate {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicPem);
  // A positive serial: the high bit of the first byte clear.
  certificate.serialNumber = `0${randomBytes(15).toString('hex')}`;
  certificate.validity.notBefore = validity.notBefore ?? new Date(Date.now() - 3600_000);
  certificate.validity.notAfter = validity.notAfter ?? new Date(Date.now() + 3 * 365 * 86_400_000);
  return certificate;
}

export function createCertificateAuthority(
  name = 'baocao-gateway demo CA',
  validity: Validity = {},
): CertificateAuthority {
  const keys = rsaKeys();
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
  certificate.sign(forge.pki.privateKeyFromPem(keys.privatePem), forge.md.sha256.create());
  return {
    certificatePem: forge.pki.certificateToPem(certificate),
    privateKeyPem: keys.privatePem,
  };
}

export function issueCertificate(
  authority: CertificateAuthority,
  subject: { commonName: string; organisation: string },
  validity: Validity = {},
): IssuedCertificate {
  const keys = rsaKeys();
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
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
  ]);
  certificate.sign(forge.pki.privateKeyFromPem(authority.privateKeyPem), forge.md.sha256.create());
  const certificatePem = forge.pki.certificateToPem(certificate);
  return {
    certificatePem,
    privateKeyPem: keys.privatePem,
    chainPem: [certificatePem, authority.certificatePem],
  };
}
