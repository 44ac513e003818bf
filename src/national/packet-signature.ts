import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { CompactSign, compactVerify } from 'jose';
import { canonicalJson } from '../common/canonical-json';
import type { DetachedSignature, SubmissionPacket } from '../contracts/national-wire';

/**
 * Digital signatures (ký số) on submissions: a JWS (RFC 7515) over the canonical JSON of the
 * packet's header and body, with the payload detached and the signer's certificate chain in the
 * x5c header. JWS rather than CMS because it is JSON like the packets, checkable with the
 * platform's X.509 and the jose library, and the chain travels inside the signature.
 */
export function signedContent(packet: Pick<SubmissionPacket, 'header' | 'body'>): Uint8Array {
  return new TextEncoder().encode(canonicalJson({ header: packet.header, body: packet.body }));
}

export async function signPacket(
  packet: Pick<SubmissionPacket, 'header' | 'body'>,
  privateKey: KeyObject,
  chainPem: string[],
): Promise<DetachedSignature> {
  const alg = privateKey.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
  const x5c = chainPem.map((pem) => new X509Certificate(pem).raw.toString('base64'));
  const jws = await new CompactSign(signedContent(packet))
    .setProtectedHeader({ alg, x5c })
    .sign(privateKey);
  const [protectedHeader, , signature] = jws.split('.');
  return { format: 'jws-x5c', value: `${protectedHeader}..${signature}` };
}

export type SignatureProblem =
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_MALFORMED'
  | 'SIGNATURE_INVALID'
  | 'CERTIFICATE_EXPIRED'
  | 'CERTIFICATE_NOT_YET_VALID'
  | 'CERTIFICATE_UNTRUSTED'
  | 'CERTIFICATE_WRONG_UNIT';

export class SignatureError extends Error {
  constructor(
    readonly code: SignatureProblem,
    message: string,
  ) {
    super(message);
    this.name = 'SignatureError';
  }
}

export interface CertificateCheck {
  /** PEM certificates of the trust anchors (root CAs). */
  trustAnchors: string[];
  at: Date;
  /** The unit the signer must be: its code in the leaf's CN or OU. */
  unitCode?: string;
}

/** Checks a chain (leaf first) against the anchors, the clock and the unit. Throws SignatureError. */
export function checkCertificateChain(chain: X509Certificate[], check: CertificateCheck): void {
  if (chain.length === 0)
    throw new SignatureError('SIGNATURE_MALFORMED', 'no certificate in the signature');
  for (const certificate of chain) {
    if (Date.parse(certificate.validTo) < check.at.getTime()) {
      throw new SignatureError(
        'CERTIFICATE_EXPIRED',
        `certificate "${oneLine(certificate.subject)}" expired on ${new Date(certificate.validTo).toISOString()}`,
      );
    }
    if (Date.parse(certificate.validFrom) > check.at.getTime()) {
      throw new SignatureError(
        'CERTIFICATE_NOT_YET_VALID',
        `certificate "${oneLine(certificate.subject)}" is valid only from ${new Date(certificate.validFrom).toISOString()}`,
      );
    }
  }
  for (let index = 0; index + 1 < chain.length; index++) {
    if (
      !chain[index].checkIssued(chain[index + 1]) ||
      !chain[index].verify(chain[index + 1].publicKey)
    ) {
      throw new SignatureError(
        'CERTIFICATE_UNTRUSTED',
        `certificate "${oneLine(chain[index].subject)}" is not issued by the next one in the chain`,
      );
    }
  }
  const anchors = check.trustAnchors.map((pem) => new X509Certificate(pem));
  const top = chain[chain.length - 1];
  const anchored = anchors.some(
    (anchor) =>
      anchor.fingerprint256 === top.fingerprint256 ||
      (top.checkIssued(anchor) && top.verify(anchor.publicKey)),
  );
  if (!anchored)
    throw new SignatureError(
      'CERTIFICATE_UNTRUSTED',
      `certificate "${oneLine(top.subject)}" does not lead to a trusted root`,
    );
  if (check.unitCode) {
    const names = chain[0].subject.split('\n');
    if (!names.includes(`CN=${check.unitCode}`) && !names.includes(`OU=${check.unitCode}`)) {
      throw new SignatureError(
        'CERTIFICATE_WRONG_UNIT',
        `the signing certificate "${oneLine(chain[0].subject)}" is not issued to unit ${check.unitCode}`,
      );
    }
  }
}

export async function verifyPacketSignature(
  packet: SubmissionPacket,
  check: CertificateCheck,
): Promise<{ signer: string; thumbprint: string }> {
  const signature = packet.signature;
  if (!signature)
    throw new SignatureError(
      'SIGNATURE_MISSING',
      'the submission must be digitally signed and carries no signature',
    );
  const parts = typeof signature.value === 'string' ? signature.value.split('.') : [];
  if (signature.format !== 'jws-x5c' || parts.length !== 3 || parts[1] !== '') {
    throw new SignatureError('SIGNATURE_MALFORMED', 'the signature is not a detached jws-x5c');
  }
  let header: { alg?: string; x5c?: string[] };
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as typeof header;
  } catch {
    throw new SignatureError('SIGNATURE_MALFORMED', 'the signature header is not JSON');
  }
  if (!Array.isArray(header.x5c) || header.x5c.length === 0)
    throw new SignatureError('SIGNATURE_MALFORMED', 'the signature has no x5c chain');
  let chain: X509Certificate[];
  try {
    chain = header.x5c.map((der) => new X509Certificate(Buffer.from(der, 'base64')));
  } catch {
    throw new SignatureError('SIGNATURE_MALFORMED', 'a certificate in x5c cannot be read');
  }
  checkCertificateChain(chain, check);
  const payload = Buffer.from(signedContent(packet)).toString('base64url');
  try {
    await compactVerify(`${parts[0]}.${payload}.${parts[2]}`, chain[0].publicKey, {
      algorithms: ['RS256', 'ES256', 'PS256'],
    });
  } catch {
    throw new SignatureError(
      'SIGNATURE_INVALID',
      'the signature does not match the content: it was altered or signed with another key',
    );
  }
  return {
    signer: oneLine(chain[0].subject),
    thumbprint: createHash('sha256').update(chain[0].raw).digest('hex'),
  };
}

function oneLine(subject: string): string {
  return subject.split('\n').join(', ');
}
