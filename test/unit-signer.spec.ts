import forge from 'node-forge';
import { SignatureError, verifyPacketSignature } from '../src/national/packet-signature';
import { UnitSigner, type SigningMaterial } from '../src/national/unit-signer';
import type { FiguresPacket } from '../src/contracts/national-wire';
import { createCertificateAuthority, issueCertificate } from '../src/simulators/demo-pki';
import { fromPem, fromPkcs12 } from '../src/vault/signing-material';

/** Signing (ký số) with a unit's own key, refused before sending when its certificate would be. */
describe('unit signatures', () => {
  const unit = 'QNG-SO-TC';
  const packet: FiguresPacket = {
    packetKind: 'SO_LIEU_BAO_CAO',
    header: {
      unitCode: unit,
      formCode: 'II.06a/VPCP/KSTT',
      formVersion: 1,
      regimeCode: 'TT-01-2020-VPCP',
      periodId: '2026-Q4',
      clientReference: 'ck-1',
    },
    body: { rowKind: 'sector', rows: [{ rowKey: 'G01', label: 'Tư pháp', cells: { '3': 4 } }] },
  };
  const day = 86_400_000;
  const source = (material: SigningMaterial | undefined) => ({
    signingKeyOf: (code: string) => Promise.resolve(code === unit ? material : undefined),
  });
  let anchor: string;
  let valid: SigningMaterial;
  let authority: Awaited<ReturnType<typeof createCertificateAuthority>>;

  beforeAll(async () => {
    authority = await createCertificateAuthority('test signing CA');
    anchor = authority.certificatePem;
    const issued = await issueCertificate(authority, {
      commonName: unit,
      organisation: 'Sở Tài chính',
    });
    valid = { privateKeyPem: issued.privateKeyPem, chainPem: issued.chainPem };
  });

  it('signs with a valid certificate; the national side verifies it against the anchor', async () => {
    const signed = await new UnitSigner(source(valid), [anchor]).sign(packet);
    await expect(
      verifyPacketSignature(signed, { trustAnchors: [anchor], at: new Date(), unitCode: unit }),
    ).resolves.toMatchObject({ signer: expect.stringContaining(`CN=${unit}`) });
  });

  const refusal = (material: SigningMaterial | undefined, anchors = [anchor]) =>
    new UnitSigner(source(material), anchors).sign(packet).catch((error: unknown) => error);

  it('refuses an expired, a not-yet-valid, an untrusted and another unit’s certificate before sending', async () => {
    const expired = await issueCertificate(
      authority,
      { commonName: unit, organisation: 'x' },
      {
        notBefore: new Date(Date.now() - 400 * day),
        notAfter: new Date(Date.now() - day),
      },
    );
    const early = await issueCertificate(
      authority,
      { commonName: unit, organisation: 'x' },
      {
        notBefore: new Date(Date.now() + day),
        notAfter: new Date(Date.now() + 400 * day),
      },
    );
    const stranger = await createCertificateAuthority('somebody else');
    const untrusted = await issueCertificate(stranger, { commonName: unit, organisation: 'x' });
    const otherUnit = await issueCertificate(authority, {
      commonName: 'QNG-SO-XD',
      organisation: 'x',
    });
    const cases: Array<[SigningMaterial | undefined, string, string[]?]> = [
      [{ privateKeyPem: expired.privateKeyPem, chainPem: expired.chainPem }, 'CERTIFICATE_EXPIRED'],
      [
        { privateKeyPem: early.privateKeyPem, chainPem: early.chainPem },
        'CERTIFICATE_NOT_YET_VALID',
      ],
      [
        { privateKeyPem: untrusted.privateKeyPem, chainPem: untrusted.chainPem },
        'CERTIFICATE_UNTRUSTED',
      ],
      [
        { privateKeyPem: otherUnit.privateKeyPem, chainPem: otherUnit.chainPem },
        'CERTIFICATE_WRONG_UNIT',
      ],
      [{ privateKeyPem: untrusted.privateKeyPem, chainPem: valid.chainPem }, 'SIGNATURE_INVALID'],
      [undefined, 'SIGNATURE_MISSING'],
      [valid, 'CERTIFICATE_UNTRUSTED', []],
    ];
    for (const [material, code, anchors] of cases) {
      const error = await refusal(material, anchors);
      expect(error).toBeInstanceOf(SignatureError);
      expect(error).toMatchObject({ code, message: expect.any(String) });
    }
  });

  it('imports a PKCS#12 file or PEM files, putting the chain leaf first', async () => {
    const issued = await issueCertificate(authority, {
      commonName: unit,
      organisation: 'Sở Tài chính',
    });
    const asn1 = forge.pkcs12.toPkcs12Asn1(
      forge.pki.privateKeyFromPem(issued.privateKeyPem),
      [forge.pki.certificateFromPem(issued.certificatePem), forge.pki.certificateFromPem(anchor)],
      'mật-khẩu',
      { algorithm: '3des' },
    );
    const der = Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
    const fromP12 = fromPkcs12(der, 'mật-khẩu');
    expect(fromP12.chainPem).toHaveLength(2);
    expect(fromP12.details).toMatchObject({ subject: expect.stringContaining(unit) });
    await expect(new UnitSigner(source(fromP12), [anchor]).sign(packet)).resolves.toHaveProperty(
      'signature',
    );
    expect(() => fromPkcs12(der, 'wrong')).toThrow(/passphrase/);
    const reversed = fromPem(issued.privateKeyPem, `${anchor}\n${issued.certificatePem}`);
    expect(reversed.chainPem[0]).toBe(fromP12.chainPem[0]);
    expect(() => fromPem(valid.privateKeyPem, issued.certificatePem)).toThrow(
      expect.objectContaining({ code: 'CHAIN_WITHOUT_KEY_CERTIFICATE' }),
    );
  });
});
