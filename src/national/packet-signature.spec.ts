import { createPrivateKey } from 'node:crypto';
import { createCertificateAuthority, issueCertificate } from '../simulators/demo-pki';
import type { FiguresPacket } from './national-wire';
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
  const root = createCertificateAuthority('test root');
  const stranger = createCertificateAuthority('untrusted root');
  const now = new Date();
  const day = 86_400_000;
  const signed = async (
    issued = issueCertificate(root, { commonName: 'QNG-SO-TC', organisation: 'Sở Tài chính' }),
    content = packet,
  ) => ({
    ...content,
    signature: await signPacket(content, createPrivateKey(issued.privateKeyPem), issued.chainPem),
  });
  const check = { trustAnchors: [root.certificatePem], at: now, unitCode: 'QNG-SO-TC' };
  const problem = async (candidate: FiguresPacket) =>
    verifyPacketSignature(candidate, check).then(
      () => 'accepted',
      (error: unknown) => (error instanceof SignatureError ? error.code : String(error)),
    );

  it('accepts a signature by a certificate of the unit under a trusted root', async () => {
    await expect(verifyPacketSignature(await signed(), check)).resolves.toMatchObject({
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
    expect(
      await problem(
        await signed(
          issueCertificate(
            root,
            { commonName: 'QNG-SO-TC', organisation: 'x' },
            {
              notBefore: new Date(now.getTime() - 10 * day),
              notAfter: new Date(now.getTime() - day),
            },
          ),
        ),
      ),
    ).toBe('CERTIFICATE_EXPIRED');
    expect(
      await problem(
        await signed(
          issueCertificate(
            root,
            { commonName: 'QNG-SO-TC', organisation: 'x' },
            { notBefore: new Date(now.getTime() + day) },
          ),
        ),
      ),
    ).toBe('CERTIFICATE_NOT_YET_VALID');
    expect(
      await problem(
        await signed(issueCertificate(stranger, { commonName: 'QNG-SO-TC', organisation: 'x' })),
      ),
    ).toBe('CERTIFICATE_UNTRUSTED');
    expect(
      await problem(
        await signed(
          issueCertificate(root, { commonName: 'QNG-SO-XD', organisation: 'Sở Xây dựng' }),
        ),
      ),
    ).toBe('CERTIFICATE_WRONG_UNIT');
    expect(await problem({ ...packet, signature: { format: 'jws-x5c', value: 'not-a-jws' } })).toBe(
      'SIGNATURE_MALFORMED',
    );
  });
});
