import { FormCatalogue } from '../src/catalog/forms';
import { SectorCatalogue } from '../src/catalog/sectors';
import { UnitRegistry } from '../src/catalog/units';
import { MappingTables } from '../src/mapping/mapping-tables';
import { mapReport } from '../src/mapping/report-mapper';
import { SatisfactionLevels } from '../src/mapping/satisfaction';
import { loadDemoSeeds } from '../src/simulators/data/demo-data';
import { nationReports, nationUnits } from '../src/simulators/data/nation-data';

/**
 * Mapping throughput on the nation-sized data set, on one core (this process): every report of
 * the quarter mapped onto its unit forms and validated. Goal: at least 5,000 reports per second.
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
  for (const report of reports.slice(0, 500)) mapReport(report, context);
  let forms = 0;
  let invalid = 0;
  const started = process.hrtime.bigint();
  for (const report of reports) {
    const mapped = mapReport(report, context);
    forms += mapped.forms.length;
    invalid += mapped.forms.filter((form) => !form.valid).length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    'mapping.reports': reports.length,
    'mapping.formsProduced': forms,
    'mapping.formsInvalid': invalid,
    'mapping.seconds': Number(seconds.toFixed(3)),
    'mapping.reportsPerSecond': Math.round(reports.length / seconds),
    'mapping.goalRatio': Number((reports.length / seconds / 5000).toFixed(2)),
  };
}
