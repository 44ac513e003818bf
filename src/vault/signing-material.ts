import { X509Certificate, createPrivateKey } from 'node:crypto';
import forge from 'node-forge';
import { splitPemBundle, type SigningMaterial } from '../national/unit-signer';
import { CredentialError } from './credential-vault';

/** A signing key ready for the vault: the key (PKCS#8 PEM, the secret) and public facts. */
export interface PreparedSigningKey extends SigningMaterial {
  details: {
    chainPem: string[];
    subject: string;
    issuer: string;
    notBefore: string;
    notAfter: string;
    fingerprint256: string;
  };
}

/** From a PKCS#12 file (.p12/.pfx) and its passphrase. */
export function fromPkcs12(der: Buffer, passphrase: string): PreparedSigningKey {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der.toString('binary')), passphrase);
  } catch {
    throw new CredentialError(
      'invalid',
      'PKCS12_UNREADABLE',
      'Không mở được tệp PKCS#12: sai mật khẩu (passphrase) hoặc không phải PKCS#12',
    );
  }
  const keyBag =
    p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[
      forge.pki.oids.pkcs8ShroudedKeyBag
    ]?.[0] ?? p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag]?.[0];
  const certificates = (
    p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? []
  )
    .map((bag) => (bag.cert ? forge.pki.certificateToPem(bag.cert) : undefined))
    .filter((pem): pem is string => Boolean(pem));
  if (!keyBag?.key)
    throw new CredentialError('invalid', 'PKCS12_NO_KEY', 'Tệp PKCS#12 không chứa khóa riêng');
  return fromPem(forge.pki.privateKeyToPem(keyBag.key), certificates.join('\n'));
}

/** From a PEM private key and a PEM chain; the chain is put leaf first whatever its order. */
export function fromPem(keyPem: string, chainText: string): PreparedSigningKey {
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new CredentialError(
      'invalid',
      'SIGNING_KEY_NOT_PEM',
      'Khóa ký số không phải khóa riêng dạng PEM',
    );
  }
  const certificates = splitPemBundle(chainText).map((pem) => new X509Certificate(pem));
  const leaf = certificates.find((certificate) => certificate.checkPrivateKey(key));
  if (!leaf)
    throw new CredentialError(
      'invalid',
      'CHAIN_WITHOUT_KEY_CERTIFICATE',
      'Không chứng thư nào trong chuỗi khớp với khóa ký số',
    );
  const ordered = [leaf];
  for (;;) {
    const last = ordered[ordered.length - 1];
    const next = certificates.find(
      (candidate) => !ordered.includes(candidate) && last.checkIssued(candidate),
    );
    if (!next || next.fingerprint256 === last.fingerprint256) break;
    ordered.push(next);
  }
  const chainPem = ordered.map((certificate) => certificate.toString());
  return {
    privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    chainPem,
    details: {
      chainPem,
      subject: leaf.subject.replace(/\n/g, ', '),
      issuer: leaf.issuer.replace(/\n/g, ', '),
      notBefore: new Date(leaf.validFrom).toISOString(),
      notAfter: new Date(leaf.validTo).toISOString(),
      fingerprint256: leaf.fingerprint256,
    },
  };
}
