import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FormCatalogue, FormCatalogueError, NoFormInForce } from './forms';

describe('form catalogue', () => {
  const catalogue = FormCatalogue.load();

  it('holds the five /VPCP/KSTT forms under TT 01/2020, II.05a, II.05 and II.01-ĐC provisional', () => {
    const forms = catalogue.formsFor('2025-Q1');
    expect(
      forms.map((form) => `${form.code}${form.provisional ? ' (provisional)' : ''}`).sort(),
    ).toEqual([
      'II.01-ĐC/VPCP/KSTT (provisional)',
      'II.05/VPCP/KSTT (provisional)',
      'II.05a/VPCP/KSTT (provisional)',
      'II.06/VPCP/KSTT',
      'II.06a/VPCP/KSTT',
    ]);
    const ii06a = catalogue.form('II.06a/VPCP/KSTT', '2025-Q1');
    expect(ii06a.kind === 'grid' && ii06a.columns.map((column) => column.number)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
    ]);
  });

  it('serves TT 05/2025 periods with provisional copies, so the current period works', () => {
    const form = catalogue.form('II.06a/VPCP/KSTT', '2026-Q4');
    expect(form).toMatchObject({
      regime: 'TT-05-2025-VPCP',
      provisional: true,
      validFrom: '2026-02-15',
    });
    expect(form.source).toContain('provisional copy');
  });

  it('refuses a period no regime covers, with the reason', () => {
    expect(() => catalogue.form('II.06a/VPCP/KSTT', '2019-Q1')).toThrow(NoFormInForce);
    expect(() => catalogue.form('II.06a/VPCP/KSTT', '2019-Q1')).toThrow(
      /no report regime is in force on 2019-03-14/,
    );
    expect(() => catalogue.form('II.99/VPCP/KSTT', '2025-Q1')).toThrow(
      /has no form II.99\/VPCP\/KSTT/,
    );
  });

  it('loads a new form from a folder with no code change, and lists every problem of a bad one', () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'baocao-forms-'));
    cpSync(path.join(__dirname, '..', '..', 'config', 'forms'), directory, { recursive: true });
    writeFileSync(
      path.join(directory, 'TT-01-2020-VPCP', 'II.07a.yaml'),
      [
        'code: II.07a/VPCP/KSTT',
        'title: Biểu thử nghiệm',
        'version: 1',
        'kind: grid',
        'rowKinds: [sector]',
        'provisional: true',
        'source: test fixture',
        'filedBy: [commune]',
        'deadline: { daysAfterCutoff: { commune: 3 } }',
        'columns:',
        '  - { number: 1, heading: TT, type: row-number }',
        '  - { number: 2, heading: Lĩnh vực, type: row-label }',
        '  - { number: 3, heading: Tổng, type: count }',
        '  - { number: 4, heading: A, type: count }',
        'rules:',
        '  - { id: SUM, expression: c3 = c4 }',
      ].join('\n'),
    );
    expect(FormCatalogue.load(directory).form('II.07a/VPCP/KSTT', '2025-Q2')).toMatchObject({
      kind: 'grid',
      provisional: true,
    });

    mkdirSync(path.join(directory, 'TT-05-2025-VPCP'));
    writeFileSync(
      path.join(directory, 'TT-05-2025-VPCP', 'bad.yaml'),
      'code: X\nkind: grid\nrules: [{ id: R, expression: "c3 = = c4" }]\n',
    );
    expect(() => FormCatalogue.load(directory)).toThrow(FormCatalogueError);
    expect(() => FormCatalogue.load(directory)).toThrow(/bad\.yaml/);
  });

  it('refuses an outline form that lists a section code twice, naming the file', () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'baocao-forms-'));
    cpSync(path.join(__dirname, '..', '..', 'config', 'forms'), directory, { recursive: true });
    const file = path.join(directory, 'TT-01-2020-VPCP', 'II.01-DC.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        '  - { code: DC_TON_TAI,',
        "  - { code: DC_KET_QUA, title: 'Lần hai', maxLength: 10, required: false }\n  - { code: DC_TON_TAI,",
      ),
    );
    expect(() => FormCatalogue.load(directory)).toThrow(
      /II\.01-DC\.yaml[\s\S]*each section code appears once/,
    );
  });
});
