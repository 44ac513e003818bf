import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { CompactSign, compactVerify } from 'jose';
import { canonicalJson } from '../common/canonical-json';
import { rememberUpTo } from '../common/remember';
import type { DetachedSignature, SubmissionPacket } from '../contracts/national-wire';

/**
 * A PEM certificate parsed once: the same anchors and unit chains come back for every packet,
 * and parsing one (about 280 µs) costs more than the checks made with it.
 */
export const certificateOf = rememberUpTo(20_000, (pem: string) => new X509Certificate(pem));

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
  const x5c = chainPem.map((pem) => certificateOf(pem).raw.toString('base64'));
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
    throw new SignatureError('SIGNATURE_MALFORMED', 'Chữ ký số không kèm chứng thư nào');
  for (const certificate of chain) {
    if (Date.parse(certificate.validTo) < check.at.getTime()) {
      throw new SignatureError(
        'CERTIFICATE_EXPIRED',
        `Chứng thư "${oneLine(certificate.subject)}" đã hết hạn ngày ${new Date(certificate.validTo).toISOString()}`,
      );
    }
    if (Date.parse(certificate.validFrom) > check.at.getTime()) {
      throw new SignatureError(
        'CERTIFICATE_NOT_YET_VALID',
        `Chứng thư "${oneLine(certificate.subject)}" chỉ có hiệu lực từ ${new Date(certificate.validFrom).toISOString()}`,
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
        `Chứng thư "${oneLine(chain[index].subject)}" không do chứng thư kế tiếp trong chuỗi cấp`,
      );
    }
  }
  const anchors = check.trustAnchors.map(certificateOf);
  const top = chain[chain.length - 1];
  const anchored = anchors.some(
    (anchor) =>
      anchor.fingerprint256 === top.fingerprint256 ||
      (top.checkIssued(anchor) && top.verify(anchor.publicKey)),
  );
  if (!anchored)
    throw new SignatureError(
      'CERTIFICATE_UNTRUSTED',
      `Chứng thư "${oneLine(top.subject)}" không dẫn tới một gốc được tin cậy`,
    );
  if (check.unitCode) {
    const names = chain[0].subject.split('\n');
    if (!names.includes(`CN=${check.unitCode}`) && !names.includes(`OU=${check.unitCode}`)) {
      throw new SignatureError(
        'CERTIFICATE_WRONG_UNIT',
        `Chứng thư ký "${oneLine(chain[0].subject)}" không cấp cho đơn vị ${check.unitCode}`,
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
    throw new SignatureError('SIGNATURE_MISSING', 'Báo cáo phải được ký số nhưng không có chữ ký');
  const parts = typeof signature.value === 'string' ? signature.value.split('.') : [];
  if (signature.format !== 'jws-x5c' || parts.length !== 3 || parts[1] !== '') {
    throw new SignatureError('SIGNATURE_MALFORMED', 'Chữ ký không phải dạng jws-x5c tách rời');
  }
  let header: { alg?: string; x5c?: string[] };
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as typeof header;
  } catch {
    throw new SignatureError('SIGNATURE_MALFORMED', 'Phần đầu của chữ ký không phải JSON');
  }
  if (!Array.isArray(header.x5c) || header.x5c.length === 0)
    throw new SignatureError('SIGNATURE_MALFORMED', 'Chữ ký không có chuỗi chứng thư x5c');
  let chain: X509Certificate[];
  try {
    chain = header.x5c.map((der) => new X509Certificate(Buffer.from(der, 'base64')));
  } catch {
    throw new SignatureError('SIGNATURE_MALFORMED', 'Không đọc được một chứng thư trong x5c');
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
      'Chữ ký không khớp với nội dung: nội dung đã bị sửa hoặc được ký bằng khóa khác',
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
