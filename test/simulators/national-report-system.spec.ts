import type {
  FiguresPacket,
  StatusPacket,
  SubmissionDetail,
} from '../../src/contracts/national-wire';
import { startSimulators, type RunningSimulators } from '../../src/simulators/simulators';
import { createCertificateAuthority, issueCertificate } from '../../src/simulators/demo-pki';
import { NATIONAL_SCOPE } from '../../src/simulators/national-report-system';
import { ii06aPacket, outlinePacket, signed } from '../support/national-fixtures';
import { clientCredentials } from '../support/oidc-login';

describe('national report system simulator', () => {
  let sims: RunningSimulators;
  const tokens = new Map<string, string>();

  const tokenFor = async (accountId: string): Promise<string> => {
    if (!tokens.has(accountId)) {
      const account = sims.credentials.nationalAccounts.find(
        (candidate) => candidate.accountId === accountId,
      )!;
      tokens.set(
        accountId,
        (
          await clientCredentials(
            sims.nationalIdp.issuer,
            { id: account.accountId, secret: account.secret },
            NATIONAL_SCOPE,
          )
        ).access_token,
      );
    }
    return tokens.get(accountId)!;
  };
  const call = async (
    method: string,
    path: string,
    accountId: string | null,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${sims.nationalReports.url}${path}`, {
      method,
      headers: {
        ...(accountId ? { authorization: `Bearer ${await tokenFor(accountId)}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? JSON.parse(text) : undefined,
    };
  };
  const submit = (accountId: string, packet: unknown, key = `key-${Math.random()}`) =>
    call('POST', '/submissions', accountId, packet, { 'idempotency-key': key });
  const admin = (path: string, body: unknown = {}) =>
    fetch(`${sims.nationalReports.origin}/__admin${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const report = (id: string) => sims.data.reports.find((candidate) => candidate.reportId === id)!;
  const counters = async () =>
    (await (await fetch(`${sims.nationalReports.origin}/__admin/counters`)).json()) as Record<
      string,
      any
    >;

  beforeAll(async () => {
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      asOf: new Date('2026-11-27T12:00:00Z'),
    });
  });
  afterAll(() => sims.stop());
  afterEach(async () => {
    await fetch(`${sims.nationalReports.origin}/__admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        dropAfterStoreRate: 0,
        maxConcurrent: 0,
        latencyMs: 0,
        timeoutRate: 0,
      }),
    });
  });

  describe('who may submit', () => {
    const packet = () => ii06aPacket(report('2025-Q1.QNG-H-BATO-X01.KSTT'), 'TT-01-2020-VPCP');

    it('refuses a request without a token', async () => {
      expect(
        (await call('POST', '/submissions', null, packet(), { 'idempotency-key': 'k0' })).status,
      ).toBe(401);
    });

    it('refuses an expired token', async () => {
      sims.nationalIdp.setTokenLifetimes({ accessTokenSeconds: 1 });
      const account = sims.credentials.nationalAccounts.find(
        (candidate) => candidate.accountId === 'QNG-H-BATO-X01.canbo',
      )!;
      const short = (
        await clientCredentials(
          sims.nationalIdp.issuer,
          { id: account.accountId, secret: account.secret },
          NATIONAL_SCOPE,
        )
      ).access_token;
      sims.nationalIdp.setTokenLifetimes({ accessTokenSeconds: 600 });
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const response = await fetch(`${sims.nationalReports.url}/submissions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${short}`,
          'content-type': 'application/json',
          'idempotency-key': 'k-exp',
        },
        body: JSON.stringify(packet()),
      });
      expect(response.status).toBe(401);
    });

    it("refuses another unit's account", async () => {
      const response = await submit('QNG-H-BATO-X02.canbo', packet());
      expect(response.status).toBe(403);
      expect(response.body.error).toBe('wrong_unit');
    });

    it('refuses an account of the unit without the right', async () => {
      const department = ii06aPacket(report('2025-Q1.QNG-SO-TC.KSTT'), 'TT-01-2020-VPCP');
      const response = await submit('QNG-SO-TC.duyet', department);
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ error: 'missing_right', right: 'nhap' });
    });

    it('needs an Idempotency-Key', async () => {
      const response = await call('POST', '/submissions', 'QNG-H-BATO-X01.canbo', packet());
      expect(response.status).toBe(400);
      expect(response.body.field).toBe('Idempotency-Key');
    });
  });

  describe('422 with an error per field', () => {
    const base = () => ii06aPacket(report('2025-Q1.QNG-H-SONHA-X03.KSTT'), 'TT-01-2020-VPCP');
    const firstCode = async (packet: unknown, account = 'QNG-H-SONHA-X03.canbo') => {
      const response = await submit(account, packet);
      expect(response.status).toBe(422);
      return response.body.errors as Array<{
        code: string;
        field: string;
        expected: unknown;
        actual: unknown;
        message: string;
      }>;
    };

    it('a broken balance names the row, the rule, the expected and the actual value', async () => {
      const packet = base();
      packet.body.rows[0].cells['3'] += 3;
      const errors = await firstCode(packet);
      expect(errors[0]).toMatchObject({
        code: 'RULE_BROKEN',
        field: 'body.rows[0].cells.3',
        rule: 'RECEIVED: c3 = c4 + c5 + c6',
      });
      expect(Number(errors[0].actual) - Number(errors[0].expected)).toBe(3);
      expect(errors[0].message).toContain('cột 3 phải bằng cột 4 + cột 5 + cột 6');
    });

    it.each([
      ['CELL_NEGATIVE', (packet: FiguresPacket) => void (packet.body.rows[0].cells['10'] = -2)],
      [
        'SECTOR_UNKNOWN',
        (packet: FiguresPacket) => void (packet.body.rows[0].rowKey = 'LV-KHONG-CO'),
      ],
      [
        'ROW_DUPLICATE',
        (packet: FiguresPacket) => void packet.body.rows.push(structuredClone(packet.body.rows[0])),
      ],
      ['CELL_MISSING', (packet: FiguresPacket) => void delete packet.body.rows[0].cells['13']],
      ['FORM_VERSION', (packet: FiguresPacket) => void (packet.header.formVersion = 9)],
      ['CELL_NOT_INTEGER', (packet: FiguresPacket) => void (packet.body.rows[0].cells['4'] = 1.5)],
    ])('%s', async (code, breakIt) => {
      const packet = base();
      breakIt(packet);
      expect((await firstCode(packet)).map((error) => error.code)).toContain(code);
    });

    it('a unit that no longer exists, a period without a form, a unit that does not file the form, an oversized outline', async () => {
      const stale = ii06aPacket(report('2025-Q1.QNG-H-SONHA-X03.KSTT'), 'TT-05-2025-VPCP');
      stale.header.periodId = '2026-Q4';
      expect((await firstCode(stale))[0].code).toBe('UNIT_NOT_IN_FORCE');
      const ancient = base();
      ancient.header.periodId = '2019-Q1';
      expect((await firstCode(ancient))[0].code).toBe('NO_FORM_IN_FORCE');
      const agencyOutline = outlinePacket(report('2025-Q1.QNG-H-SONHA-TP.KSTT'), 'TT-01-2020-VPCP');
      expect(
        (await firstCode(agencyOutline, 'QNG-H-SONHA-TP.canbo')).map((error) => error.code),
      ).toContain('UNIT_NOT_FILER');
      const outline = outlinePacket(report('2025-Q1.QNG-H-SONHA-X03.KSTT'), 'TT-01-2020-VPCP');
      outline.body.sections[2].text = 'x'.repeat(70_000);
      outline.body.sections.push({
        code: 'DC_HAI_LONG',
        title: 'V',
        text: '',
        fields: { 'tablet.level1': 3 },
      });
      const codes = (await firstCode(outline)).map((error) => error.code);
      expect(codes).toEqual(expect.arrayContaining(['TEXT_TOO_LONG', 'FIELD_MISSING']));
    });
  });

  it('moves a commune submission draft → approved → sent → received, and reads back what was stored', async () => {
    const packet = ii06aPacket(report('2025-Q3.QNG-X-010.KSTT'), 'TT-01-2020-VPCP');
    const created = await submit('QNG-X-010.canbo', packet);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      packetKind: 'TRANG_THAI_BAO_CAO',
      status: 'draft',
      version: 1,
    });
    const id = (created.body as StatusPacket).submissionId;
    expect((await call('POST', `/submissions/${id}/send`, 'QNG-X-010.canbo')).status).toBe(409);
    expect((await call('POST', `/submissions/${id}/approve`, 'QNG-X-010.canbo')).body.status).toBe(
      'approved',
    );
    expect((await call('POST', `/submissions/${id}/send`, 'QNG-X-010.canbo')).body.status).toBe(
      'received',
    );
    const detail = (await call('GET', `/submissions/${id}`, 'QNG-X-010.canbo'))
      .body as SubmissionDetail;
    expect(detail.versions[0].packet).toEqual(packet);
    expect(detail.history.map((change) => change.status)).toEqual([
      'draft',
      'approved',
      'sent',
      'received',
    ]);
    expect((await call('GET', `/submissions/${id}`, 'QNG-X-011.canbo')).status).toBe(403);
  });

  it('a department must sign: unsigned, wrongly signed and properly signed sends', async () => {
    const department = report('2025-Q3.QNG-SO-XD.KSTT');
    const certificate = sims.credentials.signingCertificates.get('QNG-SO-XD')!;
    const unsigned = await submit('QNG-SO-XD.nhap', ii06aPacket(department, 'TT-01-2020-VPCP'));
    const id = (unsigned.body as StatusPacket).submissionId;
    await call('POST', `/submissions/${id}/approve`, 'QNG-SO-XD.duyet');
    const refused = await call('POST', `/submissions/${id}/send`, 'QNG-SO-XD.gui');
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0]).toMatchObject({ code: 'SIGNATURE_MISSING', field: 'signature' });

    const foreignCa = await createCertificateAuthority('foreign');
    const forged = await signed(
      ii06aPacket(department, 'TT-01-2020-VPCP', 'ref-forged'),
      await issueCertificate(foreignCa, { commonName: 'QNG-SO-XD', organisation: 'Sở Xây dựng' }),
    );
    forged.body.rows[0].label += ' (bản ký bởi CA lạ)';
    const forgedSigned = await signed(
      forged,
      await issueCertificate(foreignCa, { commonName: 'QNG-SO-XD', organisation: 'Sở Xây dựng' }),
    );
    expect((await submit('QNG-SO-XD.nhap', forgedSigned)).body.version).toBe(2);
    await call('POST', `/submissions/${id}/approve`, 'QNG-SO-XD.duyet');
    expect(
      (await call('POST', `/submissions/${id}/send`, 'QNG-SO-XD.gui')).body.errors[0].code,
    ).toBe('CERTIFICATE_UNTRUSTED');

    const good = await signed(ii06aPacket(department, 'TT-01-2020-VPCP', 'ref-good'), certificate);
    const stored = await submit('QNG-SO-XD.nhap', good);
    expect(stored.body.version).toBe(3);
    await call('POST', `/submissions/${id}/approve`, 'QNG-SO-XD.duyet');
    const sent = await call('POST', `/submissions/${id}/send`, 'QNG-SO-XD.gui');
    expect(sent.status).toBe(200);
    expect(sent.body.status).toBe('received');
  });

  it('honours the Idempotency-Key: a repeat is answered with the stored result, a reuse for other content refused', async () => {
    const packet = ii06aPacket(report('2025-Q3.QNG-X-020.KSTT'), 'TT-01-2020-VPCP');
    const before = (await counters()).stored ?? 0;
    const first = await submit('QNG-X-020.canbo', packet, 'same-key');
    const again = await submit('QNG-X-020.canbo', packet, 'same-key');
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await counters()).stored).toBe(before + 1);
    const other = structuredClone(packet);
    other.body.rows[0].label = 'khác';
    expect((await submit('QNG-X-020.canbo', other, 'same-key')).body.error).toBe(
      'idempotency_key_reused',
    );
    const sameContentNewKey = await submit('QNG-X-020.canbo', packet, 'another-key');
    expect(sameContentNewKey).toMatchObject({ status: 200, body: { duplicate: true, version: 1 } });
  });

  it('drops the answer after storing, and the submission can be found by client reference', async () => {
    await admin('/faults', { dropAfterStoreRate: 1 });
    const packet = ii06aPacket(
      report('2025-Q3.QNG-X-030.KSTT'),
      'TT-01-2020-VPCP',
      'lost-answer-1',
    );
    await expect(submit('QNG-X-030.canbo', packet, 'drop-1')).rejects.toThrow();
    await admin('/faults', { dropAfterStoreRate: 0 });
    const found = await call(
      'GET',
      '/submissions?clientReference=lost-answer-1',
      'QNG-X-030.canbo',
    );
    expect(found.body.items).toHaveLength(1);
    expect((await counters()).faults.dropAfterStore).toBe(1);
    const replay = await submit('QNG-X-030.canbo', packet, 'drop-1');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  it('returns a submission for correction, and a drifted copy reads back different', async () => {
    const packet = ii06aPacket(report('2025-Q3.QNG-X-040.KSTT'), 'TT-01-2020-VPCP');
    const id = (await submit('QNG-X-040.canbo', packet)).body.submissionId as string;
    await call('POST', `/submissions/${id}/approve`, 'QNG-X-040.canbo');
    await call('POST', `/submissions/${id}/send`, 'QNG-X-040.canbo');
    await admin(`/submissions/${id}/drift`);
    const drifted = (await call('GET', `/submissions/${id}`, 'QNG-X-040.canbo'))
      .body as SubmissionDetail;
    expect(drifted.versions[0].packet).not.toEqual(packet);
    await admin(`/submissions/${id}/return`, { reason: 'Sai số liệu cột 4' });
    const returned = await call(
      'GET',
      `/submissions?periodId=2025-Q3&status=returned`,
      'QNG-X-040.canbo',
    );
    expect(returned.body.items[0]).toMatchObject({
      submissionId: id,
      status: 'returned',
      returnedReason: 'Sai số liệu cột 4',
    });
    expect((await call('POST', `/submissions/${id}/approve`, 'QNG-X-040.canbo')).status).toBe(409);
    const corrected = structuredClone(packet);
    corrected.header.clientReference = 'corrected';
    corrected.body.rows[0].label += ' (đã sửa)';
    expect((await submit('QNG-X-040.canbo', corrected)).body).toMatchObject({
      status: 'draft',
      version: 2,
    });
  });

  it('publishes a new form version: packets of the old version are refused', async () => {
    const response = await admin('/forms/publish', { code: 'II.05/VPCP/KSTT' });
    expect(await response.json()).toEqual({ code: 'II.05/VPCP/KSTT', version: 2 });
    const templates = await call('GET', '/form-templates?periodId=2025-Q1', 'QNG-X-001.canbo');
    expect(
      templates.body.items.find((form: { code: string }) => form.code === 'II.05/VPCP/KSTT')
        .version,
    ).toBe(2);
    expect((await counters()).faults.formPublished).toBe(1);
    const oldVersion = {
      packetKind: 'SO_LIEU_BAO_CAO',
      header: {
        unitCode: 'QNG-H-BATO',
        formCode: 'II.05/VPCP/KSTT',
        formVersion: 1,
        regimeCode: 'TT-01-2020-VPCP',
        periodId: '2025-Q1',
        clientReference: 'old-version',
      },
      body: { rowKind: 'sector', rows: [] },
    };
    const refused = await submit('QNG-H-BATO.tonghop', oldVersion);
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'FORM_VERSION', expected: 2, actual: 1 }),
      ]),
    );
    const current = await submit('QNG-H-BATO.tonghop', {
      ...oldVersion,
      header: { ...oldVersion.header, formVersion: 2 },
    });
    expect(current.status).toBe(201);
  });

  it('caps concurrency: beyond the cap the answer is 429, and the counters show the peak', async () => {
    await admin('/faults', { maxConcurrent: 2, latencyMs: 150 });
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () =>
        call('GET', '/periods', 'QNG-X-001.canbo').then((response) => response.status),
      ),
    );
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(2);
    const seen = await counters();
    expect(seen.peakConcurrent).toBeGreaterThanOrEqual(3);
    expect(seen.faults.concurrencyCap).toBe(statuses.filter((status) => status === 429).length);
  });

  it('a timeout fault holds the request and cuts the connection', async () => {
    await admin('/faults', { timeoutRate: 1, timeoutMs: 200 });
    await expect(call('GET', '/periods', 'QNG-X-001.canbo')).rejects.toThrow();
    expect((await counters()).faults.timeout).toBeGreaterThanOrEqual(1);
  });
});
