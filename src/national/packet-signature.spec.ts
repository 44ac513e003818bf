import { createPrivateKey } from 'node:crypto';
import {
  createCertificateAuthority,
  issueCertificate,
  type CertificateAuthority,
  type IssuedCertificate,
} from '../simulators/demo-pki';
import type { FiguresPacket } from '../contracts/national-wire';
import { SignatureError, signPacket, verifyPacketSignature } from './packet-signature';

const packet: FiguresPacket = {
  packetKind: 'SO_LIEU_BAO_CAO',
  header: {
    unitCode: 'QNG-SO-TC',
    formCode: 'II.06a/VPCP/KSTT',
    formVersion: 1,
    regimeCode: 'TT-01-2020-VPCP',
    periodId: '2025-Q1',
    clientReference: 'ref-1',
  },
  body: {
    rowKind: 'sector',
    rows: [{ rowKey: 'LV-TCDATDAI', label: 'Tài chính đất đai', cells: { '3': 1 } }],
  },
};

describe('packet signatures (JWS, detached, x5c)', () => {
  let root: CertificateAuthority;
  let stranger: CertificateAuthority;
  const now = new Date();
  const day = 86_400_000;
  beforeAll(async () => {
    [root, stranger] = await Promise.all([
      createCertificateAuthority('test root'),
      createCertificateAuthority('untrusted root'),
    ]);
  });
  const signed = async (issued?: IssuedCertificate, content = packet) => {
    const certificate =
      issued ??
      (await issueCertificate(root, { commonName: 'QNG-SO-TC', organisation: 'Sở Tài chính' }));
    return {
      ...content,
      signature: await signPacket(
        content,
        createPrivateKey(certificate.privateKeyPem),
        certificate.chainPem,
      ),
    };
  };
  const problem = async (candidate: FiguresPacket) =>
    verifyPacketSignature(candidate, {
      trustAnchors: [root.certificatePem],
      at: now,
      unitCode: 'QNG-SO-TC',
    }).then(
      () => 'accepted',
      (error: unknown) => (error instanceof SignatureError ? error.code : String(error)),
    );

  it('accepts a signature by a certificate of the unit under a trusted root', async () => {
    await expect(
      verifyPacketSignature(await signed(), {
        trustAnchors: [root.certificatePem],
        at: now,
        unitCode: 'QNG-SO-TC',
      }),
    ).resolves.toMatchObject({
      signer: expect.stringContaining('CN=QNG-SO-TC'),
    });
  });

  it('refuses a missing signature, altered content, and each kind of bad certificate', async () => {
    expect(await problem(packet)).toBe('SIGNATURE_MISSING');
    const good = await signed();
    expect(
      await problem({
        ...good,
        body: { ...good.body, rows: [{ ...good.body.rows[0], cells: { '3': 2 } }] },
      }),
    ).toBe('SIGNATURE_INVALID');
    const issue = (authority: CertificateAuthority, commonName: string, validity = {}) =>
      issueCertificate(authority, { commonName, organisation: 'x' }, validity);
    expect(
      await problem(
        await signed(
          await issue(root, 'QNG-SO-TC', {
            notBefore: new Date(now.getTime() - 10 * day),
            notAfter: new Date(now.getTime() - day),
          }),
        ),
      ),
    ).toBe('CERTIFICATE_EXPIRED');
    expect(
      await problem(
        await signed(await issue(root, 'QNG-SO-TC', { notBefore: new Date(now.getTime() + day) })),
      ),
    ).toBe('CERTIFICATE_NOT_YET_VALID');
    expect(await problem(await signed(await issue(stranger, 'QNG-SO-TC')))).toBe(
      'CERTIFICATE_UNTRUSTED',
    );
    expect(await problem(await signed(await issue(root, 'QNG-SO-XD')))).toBe(
      'CERTIFICATE_WRONG_UNIT',
    );
    expect(await problem({ ...packet, signature: { format: 'jws-x5c', value: 'not-a-jws' } })).toBe(
      'SIGNATURE_MALFORMED',
    );
  });
});
