import { createHash } from 'node:crypto';
import request from 'supertest';
import { type RunningSimulators } from '../src/simulators/simulators';
import { personToken, setFaults } from './support/gateway-env';
import { type TestGateway } from './support/gateway';
import { startSimulatedGateway } from './support/simulated-gateway';
import { cellText, readWorkbook } from './support/workbook-cells';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The workbooks through the API: confirmed, draft and compliance, each audited with its hash. */
describe('workbooks through the API', () => {
  let sims: RunningSimulators;
  let gateway: TestGateway;
  let operator: string;
  let auditor: string;
  let admin: string;
  const UNITS = ['QNG-X-010', 'QNG-SO-XD'];
  const PERIOD = '2025-Q3';

  beforeAll(async () => {
    ({ sims, gateway } = await startSimulatedGateway());
    operator = await personToken(sims, (person) => person.role === 'operator' && !person.district);
    auditor = await personToken(sims, (person) => person.role === 'auditor');
    admin = await personToken(sims, (person) => person.role === 'admin');
  });
  afterAll(async () => {
    await gateway?.close();
    await sims?.stop();
  });

  const get = (url: string, who = auditor) =>
    request(gateway.url)
      .get(url)
      .set('Authorization', `Bearer ${who}`)
      .buffer(true)
      .parse((response, done) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => done(null, Buffer.concat(chunks)));
      });

  const audited = async (sha256: string) => {
    for (let tries = 0; tries < 40; tries++) {
      const events = await request(gateway.url)
        .get('/api/audit/events?action=workbook.exported&limit=100')
        .set('Authorization', `Bearer ${auditor}`)
        .expect(200);
      const found = (
        events.body.items as Array<{ actor: string; details: { sha256: string } }>
      ).find((event) => event.details?.sha256 === sha256);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return undefined;
  };

  it('a confirmed transfer’s biểu carries its submission id and the payload’s figures; a draft and the compliance workbook too', async () => {
    // Before anything is confirmed: the biểu of a transfer is refused with the way to a draft.
    const started = await request(gateway.url)
      .post('/api/sync')
      .set('Authorization', `Bearer ${operator}`)
      .send({ periodId: PERIOD, units: UNITS })
      .expect(200);
    const ids = started.body.transferIds as string[];
    let confirmed: Array<{ id: string; formCode: string; submissionId: string }> = [];
    for (let waited = 0; waited < 60_000 && confirmed.length < ids.length; waited += 500) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      confirmed = (
        await request(gateway.url)
          .get(`/api/transfers?period=${PERIOD}&status=confirmed`)
          .set('Authorization', `Bearer ${auditor}`)
          .expect(200)
      ).body.items;
    }
    expect(confirmed.length).toBe(ids.length);
    const bieu = confirmed.find((transfer) => transfer.formCode.startsWith('II.06a'))!;
    const response = await get(`/api/transfers/${bieu.id}/workbook`).expect(200);
    expect(response.headers['content-type']).toBe(XLSX);
    expect(response.headers['content-disposition']).toMatch(/attachment; filename=/);
    const bytes = response.body as Buffer;
    const shown = await request(gateway.url)
      .get(`/api/transfers/${bieu.id}`)
      .set('Authorization', `Bearer ${auditor}`)
      .expect(200);
    const payload = shown.body.transfer.payload as {
      body: { rows: Array<{ label: string; cells: Record<string, number> }> };
    };
    const sheet = (await readWorkbook(bytes)).worksheets[0];
    const texts: unknown[] = [];
    sheet.eachRow((row) => row.eachCell((cell) => texts.push(cell.value)));
    expect(texts).toContain(`Đơn vị nhận báo cáo: Ủy ban nhân dân tỉnh Quảng Ngãi`);
    expect(texts.join('\n')).toContain(`mã ${shown.body.transfer.submissionId}, xác nhận lúc`);
    for (const line of payload.body.rows) {
      let found = 0;
      sheet.eachRow((row, index) => {
        if (row.getCell(2).value === line.label) found = index;
      });
      expect(found).toBeGreaterThan(0);
      for (let column = 3; column <= 13; column++)
        expect(sheet.getCell(found, column).value).toBe(line.cells[String(column)] ?? 0);
    }
    const event = await audited(createHash('sha256').update(bytes).digest('hex'));
    expect(event).toMatchObject({ details: { kind: 'bieu', bytes: bytes.length } });

    // The draft of a unit's current report: stamped, nothing sent.
    const draft = await get(
      `/api/workbooks/draft?periodId=${PERIOD}&unit=QNG-SO-XD&form=${encodeURIComponent('II.06a/VPCP/KSTT')}`,
      operator,
    ).expect(200);
    const draftTexts: unknown[] = [];
    (await readWorkbook(draft.body as Buffer)).worksheets[0].eachRow((row) =>
      row.eachCell((cell) => draftTexts.push(cell.value)),
    );
    expect(draftTexts).toContain('Bản nháp — chưa gửi');

    // The compliance workbook: a summary and a sheet per group, every unit and form in force.
    const compliance = await get(`/api/workbooks/compliance?periodId=${PERIOD}`).expect(200);
    const workbook = await readWorkbook(compliance.body as Buffer);
    expect(workbook.worksheets[0].name).toBe('Tổng hợp');
    expect(workbook.worksheets.length).toBeGreaterThan(2);
    const lines: Array<Record<string, unknown>> = [];
    for (const group of workbook.worksheets.slice(1)) {
      const header: string[] = [];
      group.getRow(5).eachCell((cell, at) => (header[at] = cellText(cell.value)));
      expect(header).toContain('Hệ thống Chính phủ xác nhận lúc');
      group.eachRow((row, index) => {
        if (index <= 5) return;
        const line: Record<string, unknown> = {};
        header.forEach((name, at) => (line[name] = row.getCell(at).value));
        lines.push(line);
      });
    }
    const total = workbook.worksheets[0];
    let provinceTotal = 0;
    total.eachRow((row) => {
      if (row.getCell(1).value === 'Toàn tỉnh') provinceTotal = Number(row.getCell(2).value);
    });
    expect(lines.length).toBe(provinceTotal);
    const sent = lines.find(
      (line) => line['Mã đơn vị'] === 'QNG-SO-XD' && line['Biểu'] === 'II.06a/VPCP/KSTT',
    )!;
    expect(sent).toMatchObject({ 'Mã báo cáo trên hệ thống Chính phủ': expect.any(String) });
    expect(['Đúng hạn', 'Trễ hạn']).toContain(sent['So với hạn']);
    expect(sent['Hệ thống Chính phủ xác nhận lúc']).toBeInstanceOf(Date);
  }, 180_000);

  it('refuses what it cannot make, in Vietnamese, and keeps to the roles', async () => {
    // The national system refuses every call: the transfer cannot be confirmed.
    await setFaults(sims.nationalReports.origin, { errorRate: 1, errorStatuses: [503] });
    try {
      const planned = await request(gateway.url)
        .post('/api/sync')
        .set('Authorization', `Bearer ${operator}`)
        .send({ periodId: '2025-Q2', units: ['QNG-SO-TC'], forms: ['II.06a/VPCP/KSTT'] })
        .expect(200);
      const [id] = planned.body.transferIds as string[];
      expect(id).toBeDefined();
      const refused = await request(gateway.url)
        .get(`/api/transfers/${id}/workbook`)
        .set('Authorization', `Bearer ${auditor}`)
        .expect(409);
      expect(refused.body).toMatchObject({
        code: 'WORKBOOK_NOT_CONFIRMED',
        message: expect.stringContaining(
          `GET /api/workbooks/draft?periodId=2025-Q2&unit=QNG-SO-TC&form=II.06a%2FVPCP%2FKSTT`,
        ),
      });
    } finally {
      await setFaults(sims.nationalReports.origin, { errorRate: 0 });
    }
    expect(
      (
        await request(gateway.url)
          .get('/api/workbooks/compliance')
          .set('Authorization', `Bearer ${auditor}`)
          .expect(400)
      ).body,
    ).toMatchObject({ code: 'PERIOD_INVALID', parameter: 'periodId' });
    expect(
      (
        await request(gateway.url)
          .get('/api/workbooks/compliance?periodId=2025-Q9')
          .set('Authorization', `Bearer ${auditor}`)
          .expect(400)
      ).body,
    ).toMatchObject({ code: 'PERIOD_INVALID' });
    // A period no national regime covers is refused with the reason, not an empty workbook.
    expect(
      (
        await request(gateway.url)
          .get('/api/workbooks/compliance?periodId=2019-Q1')
          .set('Authorization', `Bearer ${auditor}`)
          .expect(400)
      ).body,
    ).toMatchObject({ code: 'PERIOD_OUT_OF_RANGE', message: expect.stringContaining('2019-Q1') });
    await request(gateway.url)
      .get('/api/workbooks/compliance?periodId=2025-Q3')
      .set('Authorization', `Bearer ${admin}`)
      .expect(403);
    expect(
      (
        await request(gateway.url)
          .get('/api/transfers/not-a-uuid/workbook')
          .set('Authorization', `Bearer ${auditor}`)
          .expect(400)
      ).body,
    ).toMatchObject({ code: 'TRANSFER_ID_INVALID' });
  }, 120_000);
});
