// Writes the console's main pages as PNG into docs/console/ (npm run screenshots): a gateway on a
// throwaway PostgreSQL and the simulators (data as of 27/11/2026), a quarter synced, people
// signed in through the simulated SSO, each page taken by Debian's Chromium at 1366×768.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { projectRoot } from '../src/config/project-root';
import { EmbeddedPostgres } from '../src/database/embedded-postgres';
import { seedDemoVault } from '../src/simulators/demo';
import { TransfersService } from '../src/transfers/transfers.service';
import { VaultService } from '../src/vault/vault.service';
import { signInThroughSso } from '../test/support/browser';
import { startConsoleGateway } from '../test/support/console-gateway';
import { setFaults } from '../test/support/gateway-env';

const OUT = path.join(projectRoot, 'docs', 'console');
const PERIOD = '2026-Q4';

async function main(): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'baocao-screenshots-'));
  const database = await EmbeddedPostgres.start({
    dataDir: path.join(scratch, 'pg'),
    ephemeral: true,
    database: 'screenshots',
  });
  const { app, sims, base, browser, stop } = await startConsoleGateway(database.url, {
    TRANSFERS_RETRY_LIMIT: '1',
    OUTBOUND_CIRCUIT_FAILURES: '1000',
  });
  try {
    await seedDemoVault(app.get(VaultService).vault, sims);
    const transfers = app.get(TransfersService);
    const faults = (body: object) => setFaults(sims.nationalReports.origin, body);
    // A push that fails while the national system is down, then the whole quarter.
    await faults({ errorRate: 1, errorStatuses: [503] });
    await transfers.startSync(
      { periodId: PERIOD, units: ['QNG-X-011'], forms: ['II.06a/VPCP/KSTT'] },
      'screenshots',
    );
    await settle(transfers, PERIOD);
    await faults({ errorRate: 0 });
    await transfers.startSync({ periodId: PERIOD }, 'screenshots');
    await settle(transfers, PERIOD);
    mkdirSync(OUT, { recursive: true });

    const person = (role: string) =>
      sims.credentials.people.find((candidate) => candidate.role === role && !candidate.district)!;
    const shoot = async (page: Page, name: string, full = false) => {
      await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: full });
      process.stdout.write(`docs/console/${name}.png\n`);
    };
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    await signInThroughSso(page, base, person('operator'), `/?period=${PERIOD}`);
    await shoot(page, 'board');
    await page.goto(`${base}/board/${PERIOD}/~communes`);
    await shoot(page, 'board-communes');
    await page.goto(`${base}/transfers?period=${PERIOD}&status=invalid`);
    await shoot(page, 'transfers');
    await page
      .getByRole('row', { name: /QNG-X-001/ })
      .getByRole('link')
      .first()
      .click();
    await page.getByRole('heading', { name: 'Lỗi' }).scrollIntoViewIfNeeded();
    await shoot(page, 'transfer-invalid');
    const confirmed = await transfers.list(
      { period: PERIOD, unit: ['QNG-SO-XD'], form: 'II.06a/VPCP/KSTT' },
      { limit: 1, after: undefined },
    );
    await page.goto(`${base}/transfers/${confirmed.items[0].id}`);
    await page.locator('table.bieu').scrollIntoViewIfNeeded();
    await shoot(page, 'transfer-bieu');
    await page.goto(`${base}/actions`);
    await shoot(page, 'actions');
    await context.close();

    const auditor = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const auditPage = await auditor.newPage();
    await signInThroughSso(auditPage, base, person('auditor'), '/audit?verify=all');
    await shoot(auditPage, 'audit');
    await auditor.close();

    const admin = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const adminPage = await admin.newPage();
    await signInThroughSso(adminPage, base, person('admin'), '/admin');
    await shoot(adminPage, 'admin');
    await admin.close();
  } finally {
    await stop();
    await database.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Waits until no transfer of the period is on its way (planned summaries may keep waiting). */
async function settle(transfers: TransfersService, periodId: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const counts = await transfers.stateCounts(['mapped', 'pushing', 'pushed'], undefined);
    if (!Object.values(counts).some(Boolean)) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the transfers of ${periodId} did not settle within three minutes`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
