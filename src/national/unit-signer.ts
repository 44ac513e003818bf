import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { rememberUpTo } from '../common/remember';
import type { AppConfig } from '../config/app-config';
import { projectRoot } from '../config/project-root';
import type { SubmissionPacket } from '../contracts/national-wire';
import {
  SignatureError,
  certificateOf,
  checkCertificateChain,
  signPacket,
} from './packet-signature';

/** A unit's signing key and certificate chain (leaf first), as the vault holds them. */
export interface SigningMaterial {
  privateKeyPem: string;
  chainPem: string[];
}

export interface SigningKeySource {
  signingKeyOf(unitCode: string): Promise<SigningMaterial | undefined>;
}

/** The PEM certificates of a bundle file, in order. */
export function splitPemBundle(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * Signs a unit's packet (ký số) with the unit's own key, after checking its certificate the way
 * the national system will: within its validity, issued to the unit, leading to a trusted root,
 * and matching the key. A certificate that would be refused is refused here, before anything is
 * sent, with a SignatureError that names the problem.
 */
export class UnitSigner {
  constructor(
    private readonly keys: SigningKeySource,
    private readonly trustAnchors: string[],
    private readonly now: () => Date = () => new Date(),
  ) {}

  static trustAnchorsFrom(config: AppConfig): string[] {
    const file = config.national.signingTrustAnchorsFile;
    if (!file) return [];
    return splitPemBundle(readFileSync(path.resolve(projectRoot, file), 'utf8'));
  }

  async sign<T extends SubmissionPacket>(packet: T): Promise<T> {
    const unitCode = packet.header.unitCode;
    const material = await this.keys.signingKeyOf(unitCode);
    if (!material)
      throw new SignatureError(
        'SIGNATURE_MISSING',
        `Đơn vị ${unitCode} phải ký số biểu ${packet.header.formCode} nhưng không có khóa ký số nào đang hoạt động`,
      );
    if (this.trustAnchors.length === 0)
      throw new SignatureError(
        'CERTIFICATE_UNTRUSTED',
        'Chưa cấu hình chứng thư gốc tin cậy (national.signingTrustAnchorsFile): không kiểm tra được chứng thư',
      );
    const chain = material.chainPem.map(certificateOf);
    checkCertificateChain(chain, { trustAnchors: this.trustAnchors, at: this.now(), unitCode });
    const key = this.keyOf(material.privateKeyPem);
    if (!chain[0].checkPrivateKey(key))
      throw new SignatureError(
        'SIGNATURE_INVALID',
        `Khóa ký số của đơn vị ${unitCode} không khớp với chứng thư của đơn vị`,
      );
    return { ...packet, signature: await signPacket(packet, key, material.chainPem) };
  }

  /** A unit's key parsed once (about 790 µs; checking it against the leaf takes about 1 µs). */
  private readonly keyOf = rememberUpTo(10_000, (pem: string) => createPrivateKey(pem));
}
