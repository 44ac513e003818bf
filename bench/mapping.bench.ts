import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { FormCatalogue } from '../src/catalog/forms';
import { SectorCatalogue } from '../src/catalog/sectors';
import { UnitRegistry } from '../src/catalog/units';
import { MappingTables } from '../src/mapping/mapping-tables';
import { mapReport } from '../src/mapping/report-mapper';
import { SatisfactionLevels } from '../src/mapping/satisfaction';
import { loadDemoSeeds } from '../src/simulators/data/demo-data';
import { nationReports, nationUnits } from '../src/simulators/data/nation-data';
import { median } from './support';

/** SHA-256 over the JSON of every mapping of the bench's quarter, as the mapper wrote it before
 * round two of speed work (commit 2ce47ab): a faster mapper must write exactly the same. */
const RECORDED_RESULTS = '74cb5ad2ea80df083ab4c9fc1c41da94fbe74baa7775a0ee0e3d0484913a5fff';
const ROUNDS = 5;

/**
 * Mapping throughput on the nation-sized data set, on one core (this process): every report of
 * the quarter mapped onto its unit forms and validated, five times over; the median round is the
 * figure. Goal (#18): at least 15,000 reports per second, 20,000 wished for. The results are
 * compared with those the mapper wrote before it was made faster.
 */
export function mappingBench(): Record<string, number> {
  const asOf = new Date('2026-11-27T12:00:00Z');
  const { sectors } = loadDemoSeeds();
  const units = nationUnits();
  const reports = [...nationReports(units, sectors, { asOf })];
  const context = {
    forms: FormCatalogue.load(),
    units: new UnitRegistry(units),
    sectors: SectorCatalogue.load(sectors),
    tables: MappingTables.load(),
    satisfaction: SatisfactionLevels.load(),
  };
  const results = createHash('sha256');
  let forms = 0;
  let invalid = 0;
  for (const report of reports) {
    const mapped = mapReport(report, context);
    results.update(JSON.stringify(mapped));
    forms += mapped.forms.length;
    invalid += mapped.forms.filter((form) => !form.valid).length;
  }
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (const report of reports) mapReport(report, context);
    rates.push(reports.length / (Number(process.hrtime.bigint() - started) / 1e9));
  }
  rates.sort((a, b) => a - b);
  const middle = median(rates);
  const against = process.env.MAPPING_BENCH_AGAINST;
  const comparison = against ? compareWith(against, reports, context) : {};
  return {
    'mapping.reports': reports.length,
    'mapping.formsProduced': forms,
    'mapping.formsInvalid': invalid,
    'mapping.sameResultsAsRecorded': results.digest('hex') === RECORDED_RESULTS ? 1 : 0,
    'mapping.reportsPerSecond(median of 5)': Math.round(middle),
    'mapping.reportsPerSecond(slowest)': Math.round(rates[0]),
    'mapping.goalRatio(15000)': Number((middle / 15_000).toFixed(2)),
    'mapping.wishRatio(20000)': Number((middle / 20_000).toFixed(2)),
    ...comparison,
  };
}

/**
 * MAPPING_BENCH_AGAINST=<a checkout of other code, its node_modules linked>: that checkout's
 * mapper and this one map the quarter in turns, in this one process (old, new, old, new, twelve
 * times after two rounds each unmeasured), so the machine's changes of pace fall on both alike;
 * prints the median of the twelve ratios of this mapper's reports per second to the other's, and
 * the lowest and highest.
 */
function compareWith(
  checkout: string,
  reports: Parameters<typeof mapReport>[0][],
  context: Parameters<typeof mapReport>[1],
): Record<string, number> {
  const other = (
    createRequire(__filename)(path.resolve(checkout, 'src/mapping/report-mapper')) as {
      mapReport: typeof mapReport;
    }
  ).mapReport;
  const rate = (map: typeof mapReport) => {
    const started = process.hrtime.bigint();
    for (const report of reports) map(report, context);
    return reports.length / (Number(process.hrtime.bigint() - started) / 1e9);
  };
  for (let round = 0; round < 2; round++) {
    rate(other);
    rate(mapReport);
  }
  const ratios: number[] = [];
  for (let pair = 0; pair < 12; pair++) {
    const before = rate(other) + rate(other);
    ratios.push((rate(mapReport) + rate(mapReport)) / before);
  }
  ratios.sort((a, b) => a - b);
  const round2 = (value: number) => Number(value.toFixed(2));
  return {
    'mapping.againstOther.ratio(median of 12)': round2(median(ratios)),
    'mapping.againstOther.ratio(lowest)': round2(ratios[0]),
    'mapping.againstOther.ratio(highest)': round2(ratios[11]),
  };
}
