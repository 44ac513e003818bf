import { FormCatalogue } from '../../src/catalog/forms';
import { SectorCatalogue } from '../../src/catalog/sectors';
import { UnitRegistry } from '../../src/catalog/units';
import { MappingTables } from '../../src/mapping/mapping-tables';
import {
  mapReport,
  mapSummary,
  type MappingContext,
  type ReportMapping,
} from '../../src/mapping/report-mapper';
import { SatisfactionLevels } from '../../src/mapping/satisfaction';
import type { ProvincialReport } from '../../src/contracts/provincial-wire';
import type { DataSet } from '../../src/simulators/data/data-set';
import { generateDemoDataSet } from '../../src/simulators/data/demo-data';

/** The demo data set as of a fixed instant, and a mapping context over it: what the golden files were made from. */
export const GOLDEN_AS_OF = new Date('2026-11-27T12:00:00Z');

export function demoMappingContext(data: DataSet = generateDemoDataSet({ asOf: GOLDEN_AS_OF })): {
  data: DataSet;
  context: MappingContext;
} {
  return {
    data,
    context: {
      forms: FormCatalogue.load(),
      units: new UnitRegistry(data.units),
      sectors: SectorCatalogue.load(data.sectors),
      tables: MappingTables.load(),
      satisfaction: SatisfactionLevels.load(),
    },
  };
}

/** A golden case: a unit report, or a summary with its children's reports. */
export type GoldenInput =
  | { kind: 'report'; report: ProvincialReport }
  | { kind: 'summary'; report: ProvincialReport; children: ProvincialReport[] };

export function runGolden(input: GoldenInput, context: MappingContext): ReportMapping {
  if (input.kind === 'report') return mapReport(input.report, context);
  return mapSummary(
    { report: input.report, children: input.children.map((child) => mapReport(child, context)) },
    context,
  );
}
