// Writes the golden files of test/fixtures/mapping from the demo data set. Run after a deliberate
// change to the mapping, the forms or the data, then read the diff before committing:
//   npx ts-node --transpile-only scripts/update-mapping-fixtures.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ProvincialReport } from '../src/contracts/provincial-wire';
import { demoMappingContext, runGolden, type GoldenInput } from '../test/support/mapping-context';

const { data, context } = demoMappingContext();
const report = (id: string): ProvincialReport =>
  structuredClone(data.reports.find((candidate) => candidate.reportId === id)!);
const children = (district: string, period: string) =>
  data.reports
    .filter(
      (candidate) =>
        candidate.periodId === period && candidate.officeCode.startsWith(`${district}-`),
    )
    .map((child) => structuredClone(child));
const faulty = (kind: string) => report(data.faults.find((fault) => fault.kind === kind)!.reportId);

const summaryDiffers = report('2025-Q1.QNG-H-SONTAY.KSTT');
summaryDiffers.values.find((value) => value.indicatorCode === 'TTHC_NHAN_TRUC_TUYEN')!.value += 5;
const unknownLabel = report('2025-Q3.QNG-X-030.KSTT');
unknownLabel.satisfaction[0].label = 'Tạm được';

const cases: Record<'ok' | 'bad', Record<string, { description: string; input: GoldenInput }>> = {
  ok: {
    'department-q1-2025': {
      description: 'A department, old tree, TT 01/2020: II.05a, II.06a, II.01-ĐC',
      input: { kind: 'report', report: report('2025-Q1.QNG-SO-TC.KSTT') },
    },
    'commune-old-tree-q1-2025': {
      description: 'A commune of a district before 1/7/2025',
      input: { kind: 'report', report: report('2025-Q1.QNG-H-BATO-X01.KSTT') },
    },
    'district-agency-q1-2025': {
      description: 'A district specialist agency: II.05a and II.06a only',
      input: { kind: 'report', report: report('2025-Q1.QNG-H-BATO-TP.KSTT') },
    },
    'commune-new-tree-q3-2025': {
      description: 'A commune of the merged province after 1/7/2025',
      input: { kind: 'report', report: report('2025-Q3.QNG-X-010.KSTT') },
    },
    'commune-tt05-2026-q4': {
      description: 'The current quarter, under TT 05/2025: provisional forms',
      input: { kind: 'report', report: report('2026-Q4.QNG-X-020.KSTT') },
    },
    'district-summary-q1-2025': {
      description:
        'II.06 and II.05 of a district from its units (rows by sector), with the directive checks',
      input: {
        kind: 'summary',
        report: report('2025-Q1.QNG-H-MINHLONG.KSTT'),
        children: children('QNG-H-MINHLONG', '2025-Q1'),
      },
    },
    'nfd-sector-name': {
      description:
        'Planted fault nfd-sector-name: the name in NFD, upper case, doubled spaces, matches its sector',
      input: { kind: 'report', report: faulty('nfd-sector-name') },
    },
  },
  bad: {
    'broken-balance': {
      description: 'Planted fault: column 3 is 3 more than 4 + 5 + 6',
      input: { kind: 'report', report: faulty('broken-balance') },
    },
    'negative-count': {
      description: 'Planted fault: a count of -2',
      input: { kind: 'report', report: faulty('negative-count') },
    },
    'unknown-sector': {
      description: 'Planted fault: a sector not in the catalogue, with the three nearest names',
      input: { kind: 'report', report: faulty('unknown-sector') },
    },
    'duplicated-row': {
      description: 'Planted fault: the same indicator and sector twice',
      input: { kind: 'report', report: faulty('duplicated-row') },
    },
    'oversized-text': {
      description: 'Planted fault: an outline section of 70,000 characters',
      input: { kind: 'report', report: faulty('oversized-text') },
    },
    'unit-no-longer-exists': {
      description: 'Planted fault: a commune abolished on 1/7/2025, with its successor',
      input: { kind: 'report', report: faulty('unit-no-longer-exists') },
    },
    'still-draft': {
      description: 'Planted fault: a draft is not carried (not invalid either)',
      input: { kind: 'report', report: faulty('still-draft') },
    },
    'summary-differs': {
      description:
        'A district summary on the provincial system 5 above the sum of its units in column 4',
      input: {
        kind: 'summary',
        report: summaryDiffers,
        children: children('QNG-H-SONTAY', '2025-Q1'),
      },
    },
    'satisfaction-label-unknown': {
      description: 'A satisfaction label of no known level',
      input: { kind: 'report', report: unknownLabel },
    },
  },
};

for (const [folder, byName] of Object.entries(cases)) {
  const directory = path.join(__dirname, '..', 'test', 'fixtures', 'mapping', folder);
  mkdirSync(directory, { recursive: true });
  for (const [name, { description, input }] of Object.entries(byName)) {
    const expected = runGolden(input, context);
    writeFileSync(
      path.join(directory, `${name}.json`),
      `${JSON.stringify({ description, input, expected }, null, 1)}\n`,
    );
  }
  process.stdout.write(`${folder}: ${Object.keys(byName).length} golden files\n`);
}
