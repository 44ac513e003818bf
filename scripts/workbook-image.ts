/**
 * docs/workbooks/II.06a-page1.png: page one of an II.06a made the way the tests check it, the
 * workbook converted to PDF by LibreOffice (headless) and its first page to PNG by pdftoppm.
 * Run: npm run workbook-image (needs /usr/bin/soffice and pdftoppm, as .ci/run installs).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsePeriod } from '../src/catalog/periods';
import { bieuWorkbook } from '../src/workbooks/bieu-workbook';
import { goldenII06a } from '../test/support/golden-packets';
import { convertToPdf } from '../test/support/libreoffice';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const { form, packet } = goldenII06a();
  const confirmedAt = new Date('2025-03-17T03:12:00Z');
  const workbook = bieuWorkbook(
    {
      form,
      packet,
      period: parsePeriod(packet.header.periodId),
      unit: {
        code: packet.header.unitCode,
        name: 'Xã 1 thuộc Huyện Ba Tơ (demo)',
        level: 'commune',
        parentName: 'Huyện Ba Tơ',
      },
      stamp: { kind: 'confirmed', submissionId: 'VPCP-2025-000123', confirmedAt },
      dated: confirmedAt,
    },
    { province: 'Ủy ban nhân dân tỉnh Quảng Ngãi', place: 'Quảng Ngãi' },
  );
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-workbook-image-'));
  const xlsx = path.join(dir, 'II.06a.xlsx');
  writeFileSync(xlsx, Buffer.from(await workbook.xlsx.writeBuffer()));
  const [pdf] = convertToPdf(dir, [xlsx]);
  execFileSync('pdftoppm', [
    '-png',
    '-r',
    '90',
    '-f',
    '1',
    '-l',
    '1',
    '-singlefile',
    pdf,
    path.join(dir, 'page'),
  ]);
  const target = path.join(root, 'docs/workbooks/II.06a-page1.png');
  copyFileSync(path.join(dir, 'page.png'), target);
  console.log(`đã viết ${target}`);
}

void main();
