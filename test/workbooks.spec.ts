import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FormCatalogue, type FormDefinition } from '../src/catalog/forms';
import { parsePeriod } from '../src/catalog/periods';
import type { SubmissionPacket } from '../src/contracts/national-wire';
import { DRAFT_STAMP, bieuWorkbook, type BieuSource } from '../src/workbooks/bieu-workbook';
import { SOFFICE, convertToPdf } from './support/libreoffice';
import { goldenPackets } from './support/golden-packets';
import { cellText, pictureOf, readWorkbook } from './support/workbook-cells';

// Regenerate after a deliberate change of a layout: UPDATE_GOLDEN=1 npx jest test/workbooks.spec.ts
const GOLDEN = path.join(__dirname, 'fixtures', 'workbooks');
const SETTINGS = { province: 'Ủy ban nhân dân tỉnh Quảng Ngãi', place: 'Quảng Ngãi' };
const CONFIRMED_AT = new Date('2025-03-17T03:12:00Z');

function sourceOf(
  form: FormDefinition,
  packet: SubmissionPacket,
  stamp: BieuSource['stamp'] = {
    kind: 'confirmed',
    submissionId: 'VPCP-2025-000123',
    confirmedAt: CONFIRMED_AT,
  },
): BieuSource {
  const district =
    packet.header.unitCode.startsWith('QNG-H-') && !/-X\d/.test(packet.header.unitCode);
  return {
    form,
    packet,
    period: parsePeriod(packet.header.periodId),
    unit: district
      ? { code: packet.header.unitCode, name: 'Huyện Ba Tơ', level: 'district', parentName: null }
      : {
          code: packet.header.unitCode,
          name: 'Xã 1 thuộc Huyện Ba Tơ (demo)',
          level: 'commune',
          parentName: 'Huyện Ba Tơ',
        },
    stamp,
    dated: CONFIRMED_AT,
  };
}

async function bytesOf(source: BieuSource): Promise<Buffer> {
  return Buffer.from(await bieuWorkbook(source, SETTINGS).xlsx.writeBuffer());
}

const ALL = goldenPackets();

describe('the biểu as a workbook', () => {
  it('covers every form of the catalogue', () => {
    const codes = new Set(FormCatalogue.load().forms.map((form) => form.code));
    expect(ALL.map((entry) => entry.form.code).sort()).toEqual([...codes].sort());
  });

  describe.each(ALL.map((entry) => [entry.form.code, entry] as const))('%s', (_code, entry) => {
    it('reads back cell by cell as its golden file, and its figures are the payload', async () => {
      const bytes = await bytesOf(sourceOf(entry.form, entry.packet));
      const picture = await pictureOf(bytes);
      const file = path.join(GOLDEN, `${entry.form.code.split('/')[0]}.json`);
      if (process.env.UPDATE_GOLDEN) writeFileSync(file, `${JSON.stringify(picture, null, 1)}\n`);
      expect(picture).toEqual(JSON.parse(readFileSync(file, 'utf8')));

      const sheet = (await readWorkbook(bytes)).worksheets[0];
      const texts: string[] = [];
      sheet.eachRow((row) => row.eachCell((cell) => texts.push(cellText(cell.value))));
      expect(texts).toEqual(
        expect.arrayContaining([
          `Biểu số ${entry.form.code}`,
          'Kỳ báo cáo: Quý I/2025 (từ ngày 15/12/2024 đến ngày 14/3/2025)',
          entry.form.title.toLocaleUpperCase('vi'),
          'Quảng Ngãi, ngày 17 tháng 3 năm 2025',
          expect.stringContaining('mã VPCP-2025-000123, xác nhận lúc 17/03/2025 10:12:00'),
          ...entry.form.workbook.signatures.map((signature) => signature.title),
        ]),
      );
      expect(sheet.pageSetup).toMatchObject({
        paperSize: 9,
        orientation: entry.form.workbook.orientation,
      });

      if (entry.packet.packetKind === 'SO_LIEU_BAO_CAO') {
        const form = entry.form as Extract<FormDefinition, { kind: 'grid' }>;
        const packet = entry.packet;
        // The numbers row, then one row per payload row in its order, then the totals.
        let numbers = 0;
        sheet.eachRow((row, index) => {
          if (row.getCell(1).value === '(1)') numbers = index;
        });
        expect(numbers).toBeGreaterThan(0);
        expect(sheet.pageSetup.printTitlesRow).toBe(`${numbers - 2}:${numbers}`);
        form.columns.forEach((column, at) =>
          expect(sheet.getCell(numbers, at + 1).value).toBe(`(${column.number})`),
        );
        packet.body.rows.forEach((line, index) => {
          const row = sheet.getRow(numbers + 1 + index);
          form.columns.forEach((column, at) => {
            const value = row.getCell(at + 1).value;
            if (column.type === 'row-number') expect(value).toBe(index + 1);
            else if (column.type === 'row-label') expect(value).toBe(line.label);
            else expect(value).toBe(line.cells[String(column.number)] ?? 0);
          });
        });
        const totals = sheet.getRow(numbers + 1 + packet.body.rows.length);
        form.columns.forEach((column, at) => {
          if (column.type !== 'count') return;
          expect(totals.getCell(at + 1).value).toBe(
            packet.body.rows.reduce(
              (sum, line) => sum + (line.cells[String(column.number)] ?? 0),
              0,
            ),
          );
        });
        // Grouped headings are merged over their columns.
        const groups = new Set(
          form.columns.flatMap((column) => (column.group ? [column.group] : [])),
        );
        for (const group of groups) {
          const at = form.columns.findIndex((column) => column.group === group) + 1;
          expect(sheet.getCell(numbers - 2, at).value).toBe(group);
          expect(sheet.getCell(numbers - 2, at).isMerged).toBe(true);
        }
      } else {
        const packet = entry.packet;
        for (const section of packet.body.sections) {
          expect(texts).toContain(section.title);
          if (section.text.trim()) expect(texts).toContain(section.text.trim());
          for (const value of Object.values(section.fields)) expect(texts).toContain(String(value));
        }
      }
    });
  });

  it('a draft says so, and lists the problems that keep it from being sent', async () => {
    const { form, packet } = ALL.find((entry) => entry.form.code.startsWith('II.06a'))!;
    const bytes = await bytesOf(
      sourceOf(form, packet, {
        kind: 'draft',
        problems: [
          {
            code: 'RULE_FAILED',
            field: 'rows[LV-HOTICH].c3',
            rule: 'RECEIVED',
            expected: 46,
            actual: 45,
            message: 'Cột 3 phải bằng cột 4 + 5 + 6',
            severity: 'error',
          },
        ],
      }),
    );
    const texts: string[] = [];
    (await readWorkbook(bytes)).worksheets[0].eachRow((row) =>
      row.eachCell((cell) => texts.push(cellText(cell.value))),
    );
    expect(texts).toEqual(
      expect.arrayContaining([
        `${DRAFT_STAMP} · không hợp lệ: 1 lỗi (liệt kê dưới bảng)`,
        expect.stringContaining('RULE_FAILED · rows[LV-HOTICH].c3: Cột 3 phải bằng cột 4 + 5 + 6'),
      ]),
    );
    expect(texts.join('\n')).not.toMatch(/Đã gửi Hệ thống/);
  });

  it('a form added as data without a layout gets a workbook from its columns', async () => {
    const forms = FormCatalogue.load(
      path.join(__dirname, 'fixtures', 'catalogue-extension', 'forms'),
    );
    const added = forms.forms.find((form) => !ALL.some((entry) => entry.form.code === form.code));
    expect(added).toBeDefined();
    const header = {
      unitCode: 'QNG-X-001',
      formCode: added!.code,
      formVersion: 1,
      regimeCode: added!.regime,
      periodId: '2025-Q1',
      clientReference: 'x',
    };
    const packet: SubmissionPacket =
      added!.kind === 'grid'
        ? {
            packetKind: 'SO_LIEU_BAO_CAO',
            header,
            body: {
              rowKind: 'sector',
              rows: [
                {
                  rowKey: 'LV-HOTICH',
                  label: 'Hộ tịch',
                  cells: Object.fromEntries(
                    added!.columns
                      .filter((column) => column.type === 'count')
                      .map((column) => [String(column.number), column.number]),
                  ),
                },
              ],
            },
          }
        : {
            packetKind: 'GUI_DE_CUONG',
            header,
            body: {
              sections: added!.sections.map((section) => ({
                code: section.code,
                title: section.title,
                text: 'Nội dung',
                fields: {},
              })),
            },
          };
    const sheet = (await readWorkbook(await bytesOf(sourceOf(added!, packet)))).worksheets[0];
    expect(sheet.getCell('A1').value).toBe('Đơn vị báo cáo: Xã 1 thuộc Huyện Ba Tơ (demo)');
    expect(sheet.pageSetup.orientation).toBe('landscape');
  });
});

/** LibreOffice (Debian's libreoffice-calc-nogui, which .ci/run installs) opens each file. */
describe('the workbooks in LibreOffice', () => {
  it('converts every form to PDF headless, the Vietnamese text intact', async () => {
    expect(SOFFICE).toBeDefined();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-workbooks-'));
    for (const entry of ALL)
      writeFileSync(
        path.join(dir, `${entry.form.code.split('/')[0]}.xlsx`),
        await bytesOf(sourceOf(entry.form, entry.packet)),
      );
    const files = readdirSync(dir)
      .filter((name) => name.endsWith('.xlsx'))
      .map((name) => path.join(dir, name));
    for (const pdf of convertToPdf(dir, files)) {
      expect(existsSync(pdf)).toBe(true);
      expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
      const text = spawnSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
      expect(text.status).toBe(0);
      expect(text.stdout).toMatch(/Kỳ báo cáo: Quý I\/2025/);
      expect(text.stdout).toMatch(/Quảng Ngãi, ngày 17 tháng 3 năm 2025/);
      expect(text.stdout).toMatch(/THỦ TRƯỞNG/);
    }
  }, 180_000);
});
