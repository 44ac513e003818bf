import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { seedDemoVault } from '../src/simulators/demo';
import { generateDemoDataSet } from '../src/simulators/data/demo-data';
import { startSimulators, type RunningSimulators } from '../src/simulators/simulators';
import { cellText, readWorkbook } from './support/workbook-cells';
import { TransfersService } from '../src/transfers/transfers.service';
import { AuditService } from '../src/audit/audit.service';
import { VaultService } from '../src/vault/vault.service';
import { launchBrowser, signInThroughSso } from './support/browser';
import { freshDatabaseUrl } from './support/database';
import { setFaults, simulatorGatewayEnv } from './support/gateway-env';
import { freePort, startTestGateway, type TestGateway } from './support/gateway';

const SCRIPT = '<script>alert(1)</script>';
const PERIOD = '2026-Q4';

/**
 * The console in a real browser (Debian's Chromium through playwright-core): people sign in on
 * the simulated SSO's own login page and use the pages as they would.
 */
describe('the console in a browser', () => {
  let sims: RunningSimulators;
  let gateway: TestGateway;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];
  const person = (username: string) =>
    sims.credentials.people.find((candidate) => candidate.username === username)!;
  const OPERATOR = 'vanthu@quangngai.gov.vn';
  const AUDITOR = 'thanhtra@quangngai.gov.vn';
  const DISTRICT = 'vanphong.binhson@quangngai.gov.vn';

  const nationalFaults = (body: object) => setFaults(sims.nationalReports.origin, body);

  /** A fresh browser context (its own cookies) signed in as a person. */
  async function signedIn(username: string, path = '/'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('dialog', (dialog) => {
      throw new Error(`a dialog opened: ${dialog.message()}`);
    });
    await signInThroughSso(page, base, person(username), path);
    return page;
  }

  async function waitForState(transferId: string, state: string): Promise<void> {
    const transfers = gateway.app.get(TransfersService);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if ((await transfers.show(transferId)).transfer.state === state) return;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    throw new Error(`transfer ${transferId} did not become ${state}`);
  }

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // Outside data a hostile or careless source could send: a sector and a unit named as script.
    const data = generateDemoDataSet({ asOf: new Date('2026-11-27T12:00:00Z') });
    const report = data.reports.find(
      (candidate) => candidate.periodId === PERIOD && candidate.officeCode === 'QNG-X-020',
    )!;
    report.values.push({
      indicatorCode: 'TTHC_NHAN_TRUC_TUYEN',
      sectorCode: null,
      sectorName: SCRIPT,
      value: 1,
    });
    data.units.find((unit) => unit.officeCode === 'QNG-X-021')!.name = `Xã ${SCRIPT}`;
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      data,
      redirectUris: [`${base}/auth/callback`],
    });
    gateway = await startTestGateway({
      port,
      env: {
        ...simulatorGatewayEnv(sims, { consoleBase: base }),
        TRANSFERS_RETRY_LIMIT: '1',
        OUTBOUND_CIRCUIT_FAILURES: '1000',
        CONSOLE_SSO_CHECK_SECONDS: '1',
      },
      databaseUrl: await freshDatabaseUrl({ fromTemplate: true }),
    });
    await seedDemoVault(gateway.app.get(VaultService).vault, sims);
    const transfers = gateway.app.get(TransfersService);
    // One unit's push fails while the national system is down; the rest go through.
    await nationalFaults({ errorRate: 1, errorStatuses: [503] });
    const failing = await transfers.startSync(
      { periodId: PERIOD, units: ['QNG-X-011'], forms: ['II.06a/VPCP/KSTT'] },
      'test',
    );
    await waitForState(failing.transferIds[0], 'failed');
    await nationalFaults({ errorRate: 0 });
    const planned = await transfers.startSync(
      {
        periodId: PERIOD,
        units: ['QNG-X-001', 'QNG-X-010', 'QNG-X-020', 'QNG-X-021', 'QNG-SO-XD'],
      },
      'test',
    );
    for (const id of planned.transferIds) {
      const { transfer } = await transfers.show(id);
      if (transfer.state !== 'invalid') await waitForState(id, 'confirmed');
    }
    await transfers.startSync(
      { periodId: '2025-Q1', units: ['QNG-H-BINHSON-X01', 'QNG-H-TPQN-X01'] },
      'test',
    );
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await gateway?.close();
    await sims?.stop();
  });

  it('an operator signs in through the SSO, reads the board, opens an invalid transfer and reads its problem', async () => {
    const page = await signedIn(OPERATOR, `/?period=${PERIOD}`);
    expect(await page.locator('h1').innerText()).toBe('Bảng theo kỳ: Quý IV/2026');
    const total = page.getByRole('row', { name: /Toàn tỉnh/ });
    expect(await total.innerText()).toMatch(/Toàn tỉnh/);
    // Departments: QNG-SO-XD's three forms were confirmed before their deadline.
    const departments = page.getByRole('row', { name: /Sở, ban, ngành/ });
    expect((await departments.innerText()).split('\t')[1].trim()).toBe('3');
    // A count leads to the units behind it: the communes whose forms are invalid.
    await page
      .getByRole('row', { name: /Cấp xã trực thuộc tỉnh/ })
      .locator(`a[href*="category=invalid"]`)
      .click();
    const invalid = await page.locator('main table tbody tr').allInnerTexts();
    expect(invalid.length).toBeGreaterThan(0);
    for (const row of invalid) expect(row).toContain('Không hợp lệ');
    expect(invalid.join('\n')).toContain('QNG-X-001');
    await page.getByRole('link', { name: 'Lượt chuyển', exact: true }).click();
    await page.getByLabel('Trạng thái').selectOption('invalid');
    await page.getByRole('button', { name: 'Lọc' }).click();
    await page
      .getByRole('row', { name: /QNG-X-001/ })
      .getByRole('link')
      .first()
      .click();
    expect(await page.locator('h1').innerText()).toContain('Quý IV/2026');
    const problems = await page.getByRole('table', { name: /Lỗi dữ liệu/ }).innerText();
    expect(problems).toMatch(/cột 3 phải bằng cột 4 \+ cột 5 \+ cột 6/);
    // The biểu as the official table: its numbered columns and the totals row.
    const bieu = await page.locator('table.bieu').innerText();
    expect(bieu).toContain('(13)');
    expect(bieu).toContain('Tổng số');
  });

  it('an operator re-runs a failed transfer with a reason and a confirmation, and watches it confirm', async () => {
    const page = await signedIn(OPERATOR, '/transfers?status=failed');
    await page
      .getByRole('row', { name: /QNG-X-011/ })
      .getByRole('link')
      .first()
      .click();
    expect(await page.locator('dl.facts').innerText()).toContain('Gửi thất bại');
    const url = page.url();
    await page.getByLabel('Lý do chạy lại').fill('Hệ thống quốc gia đã hoạt động lại');
    await page.getByRole('button', { name: 'Chạy lại', exact: true }).click();
    expect(await page.locator('h1').innerText()).toBe('Xác nhận chạy lại');
    await page.getByRole('button', { name: 'Xác nhận chạy lại' }).click();
    expect(page.url()).toBe(`${url}?done=rerun`);
    expect(await page.getByRole('status').innerText()).toContain('Đã chạy lại');
    const deadline = Date.now() + 60_000;
    let facts = '';
    while (Date.now() < deadline) {
      await page.reload();
      facts = await page.locator('dl.facts').innerText();
      if (facts.includes('Đã xác nhận')) break;
      await page.waitForTimeout(500);
    }
    expect(facts).toContain('Đã xác nhận');
    const events = await page.getByRole('heading', { name: 'Nhật ký của lượt chuyển' }).isVisible();
    expect(events).toBe(true);
    const log = await page.locator('table').last().innerText();
    expect(log).toMatch(/vanthu@quangngai\.gov\.vn\s+transfer\.rerun\s+ok/);
    expect(log).toContain('Hệ thống quốc gia đã hoạt động lại');
  });

  it('an operator dry-runs a unit, then syncs it and watches the progress live without reloading', async () => {
    const page = await signedIn(OPERATOR, '/actions');
    await page.getByLabel('Kỳ báo cáo').first().selectOption(PERIOD);
    await page.getByLabel('Mã đơn vị').fill('QNG-X-030');
    await page.getByLabel('Chạy thử: chỉ xem số liệu sẽ gửi, không gửi gì').check();
    await page.getByLabel('Lý do').fill('Xem trước khi gửi');
    await page.getByRole('button', { name: 'Bắt đầu' }).click();
    const preview = await page.getByRole('table', { name: 'Kết quả chạy thử' }).innerText();
    expect(preview).toContain('QNG-X-030');
    expect(preview).toContain('Sẽ gửi mới');
    // Each previewed biểu as a draft workbook.
    const taken = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Bản nháp (Excel)' }).first().click();
    const draft: string[] = [];
    (await readWorkbook(readFileSync((await (await taken).path())))).worksheets[0].eachRow((row) =>
      row.eachCell((cell) => draft.push(cellText(cell.value))),
    );
    expect(draft).toContain('Bản nháp — chưa gửi');
    expect(
      await gateway.app
        .get(TransfersService)
        .list({ unit: ['QNG-X-030'] }, { limit: 5, after: undefined }),
    ).toMatchObject({ items: [] });

    await page.goto(`${base}/actions`);
    await page.getByLabel('Kỳ báo cáo').first().selectOption(PERIOD);
    await page.getByLabel('Mã đơn vị').fill('QNG-X-030');
    await page.getByLabel('Lý do').fill('Gửi quý IV');
    await page.getByRole('button', { name: 'Bắt đầu' }).click();
    await page.waitForURL(/\/actions\/sync\?/);
    let navigations = 0;
    page.on('framenavigated', () => (navigations += 1));
    await page.locator('[data-field="status"]', { hasText: /^Xong/ }).waitFor({ timeout: 90_000 });
    expect(navigations).toBe(0);
    expect(await page.locator('[data-field="confirmed"]').innerText()).toBe('3');
  });

  it('an auditor verifies and downloads the audit log, finds no re-run button, and a forged re-run is refused', async () => {
    const page = await signedIn(AUDITOR, '/audit');
    await page.getByRole('link', { name: 'Kiểm tra toàn bộ' }).click();
    expect(await page.getByRole('status').innerText()).toMatch(
      /Toàn vẹn\. Đã kiểm tra [\d.]+ sự kiện/,
    );
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'CSV' }).click();
    const file = await (await download).path();
    const csv = readFileSync(file, 'utf8');
    expect(csv.split('\n')[0]).toMatch(/seq/);
    expect(csv).toContain('transfer.confirmed');
    const transfers = await gateway.app
      .get(TransfersService)
      .list({ period: PERIOD, status: ['confirmed'] }, { limit: 1, after: undefined });
    const id = transfers.items[0].id;
    await page.goto(`${base}/transfers/${id}`);
    expect(await page.getByRole('button', { name: 'Chạy lại' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Thao tác' }).count()).toBe(0);
    // The auditor's own session and CSRF token, posted by hand: the server still refuses.
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const forged = await page.request.post(`${base}/transfers/${id}/rerun`, {
      form: { _csrf: csrf, reason: 'forged', confirm: 'yes' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('ROLE_REQUIRED');

    // The confirmed biểu and the period's compliance workbook, from the pages' own links.
    for (const [from, name] of [
      [`/transfers/${id}`, 'Tải biểu đã gửi'],
      [`/?period=${PERIOD}`, /Tải bảng tình hình gửi báo cáo/],
    ] as const) {
      await page.goto(`${base}${from}`);
      const taken = page.waitForEvent('download');
      await page.getByRole('link', { name }).click();
      const workbook = await readWorkbook(readFileSync((await (await taken).path())));
      expect(workbook.worksheets.length).toBeGreaterThan(0);
    }
    const bieu = await page.request.get(`${base}/workbooks/transfer/${id}`);
    expect(bieu.headers()['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    const texts: string[] = [];
    (await readWorkbook(await bieu.body())).worksheets[0].eachRow((row) =>
      row.eachCell((cell) => texts.push(cellText(cell.value))),
    );
    expect(texts.join('\n')).toMatch(/Đã gửi Hệ thống thông tin báo cáo Chính phủ: mã \S+/);
  });

  it('an admin finds a unit account, tests its login and disables it with a reason, audited', async () => {
    const page = await signedIn('quantri@quangngai.gov.vn', '/admin');
    await page.getByLabel('Mã đơn vị').fill('QNG-X-040');
    await page.getByRole('button', { name: 'Lọc' }).click();
    const rows = page.locator('main table').last().locator('tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain('QNG-X-040.canbo');
    expect(await page.content()).not.toContain(
      sims.credentials.nationalAccounts.find((account) => account.unitCode === 'QNG-X-040')!.secret,
    );
    await rows.first().getByText('Thao tác').click();
    await rows.first().getByRole('button', { name: 'Kiểm tra đăng nhập' }).click();
    expect(await page.getByRole('status').innerText()).toBe(
      'Tài khoản QNG-X-040.canbo đăng nhập được',
    );
    await page.goto(`${base}/admin?unit=QNG-X-040`);
    const row = page.locator('main table').last().locator('tbody tr').first();
    await row.getByText('Thao tác').click();
    await row.getByLabel('Lý do').first().fill('Đơn vị đổi cán bộ');
    await row.getByRole('button', { name: 'Tắt' }).click();
    expect(await page.getByRole('status').innerText()).toBe('Đã tắt tài khoản.');
    await gateway.app.get(AuditService).flush();
    const [event] = await gateway.app
      .get(DataSource)
      .query<Array<{ actor: string; reason: string }>>(
        `SELECT actor, reason FROM audit_event WHERE action = 'credential.disabled' AND unit_code = 'QNG-X-040'`,
      );
    expect(event).toEqual({ actor: 'quantri@quangngai.gov.vn', reason: 'Đơn vị đổi cán bộ' });
  });

  it('a sector and a unit named as script stay text', async () => {
    const page = await signedIn(OPERATOR, '/transfers?unit=QNG-X-020&status=invalid');
    await page
      .getByRole('row', { name: /QNG-X-020/ })
      .getByRole('link')
      .first()
      .click();
    const problems = await page.getByRole('table', { name: /Lỗi dữ liệu/ }).innerText();
    expect(problems).toContain(`Lĩnh vực "${SCRIPT}"`);
    expect(await page.locator('script').count()).toBe(0);
    await page.goto(`${base}/transfers?unit=QNG-X-021`);
    expect(await page.locator('main').innerText()).toContain(`Xã ${SCRIPT}`);
    expect(await page.locator('main script').count()).toBe(0);
    const response = await page.request.get(`${base}/transfers?unit=QNG-X-021`);
    expect(await response.text()).toContain('Xã &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(response.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(response.headers()['x-content-type-options']).toBe('nosniff');
    expect(response.headers()['x-frame-options']).toBe('DENY');
  });

  it('a form posted without its CSRF token is refused and changes nothing', async () => {
    const page = await signedIn(OPERATOR, '/transfers?status=invalid');
    const id = (await page
      .getByRole('row', { name: /QNG-X-001/ })
      .getByRole('link')
      .first()
      .getAttribute('href'))!
      .split('/')
      .pop()!;
    const before = (await gateway.app.get(TransfersService).show(id)).transfer;
    const response = await page.request.post(`${base}/transfers/${id}/cancel`, {
      form: { reason: 'no token', confirm: 'yes' },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('CSRF_TOKEN_INVALID');
    const after = (await gateway.app.get(TransfersService).show(id)).transfer;
    expect(after.state).toBe(before.state);
    // The session cookie: HttpOnly, SameSite=Lax (not Secure on a loopback address).
    // (Cookies do not tell ports apart: the simulated SSO's own share the host.)
    const cookie = (await page.context().cookies(base)).find(
      (candidate) => candidate.name === 'baocao_session',
    );
    expect(cookie).toMatchObject({ name: 'baocao_session', httpOnly: true, sameSite: 'Lax' });
  });

  it('a district officer sees only that district and cannot open another', async () => {
    const page = await signedIn(DISTRICT, '/?period=2025-Q1');
    const groups = await page.locator('table.board tbody th').allInnerTexts();
    expect(groups).toEqual(['Huyện Bình Sơn']);
    const other = await gateway.app
      .get(TransfersService)
      .list({ period: '2025-Q1', unit: ['QNG-H-TPQN-X01'] }, { limit: 1, after: undefined });
    const response = await page.request.get(`${base}/transfers/${other.items[0].id}`);
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('OUT_OF_SCOPE');
    await page.goto(`${base}/transfers?period=2025-Q1`);
    const rows = await page.locator('main table tbody tr').allInnerTexts();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toContain('QNG-H-BINHSON');
  });

  it('the session ends when the person signs out, after the idle time, and when the SSO ends theirs', async () => {
    const page = await signedIn(OPERATOR);
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    // The SSO's own sign-out page asks first.
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await page.waitForURL(`${base}/auth/signed-out`);
    await page.goto(`${base}/transfers`);
    expect(page.url()).toContain('/auth/login');

    // Unused for longer than console.idleMinutes (30): the next page asks to sign in again.
    const idle = await signedIn(OPERATOR, '/transfers');
    await gateway.app
      .get(DataSource)
      .query(
        `UPDATE console_session SET last_seen_at = now() - interval '31 minutes' WHERE subject = $1`,
        [OPERATOR],
      );
    await idle.goto(`${base}/transfers`);
    expect(idle.url()).toContain('ended=idle');
    expect(await idle.getByRole('status').innerText()).toContain('không dùng quá lâu');
    await gateway.app.get(AuditService).flush();
    const [ended] = await gateway.app
      .get(DataSource)
      .query<Array<{ details: string }>>(
        `SELECT details FROM audit_event WHERE action = 'console.session-ended' AND actor = $1`,
        [OPERATOR],
      );
    expect(JSON.parse(ended.details)).toEqual({ end: 'idle' });

    const second = await signedIn(AUDITOR, '/audit');
    await fetch(`${sims.provincialSso.issuer}/__admin/accounts/${AUDITOR}/revoke`, {
      method: 'POST',
    });
    await second.waitForTimeout(1500);
    await second.goto(`${base}/audit`);
    expect(second.url()).toContain('ended=sso-ended');
    expect(await second.getByRole('status').innerText()).toContain('SSO Quảng Ngãi đã kết thúc');
  });
});
