import type { Period } from '../../catalog/periods';
import type {
  IndicatorRecord,
  PeriodRecord,
  ProvincialReport,
  RegimeRecord,
  SectorRecord,
  UnitRecord,
} from '../../contracts/provincial-wire';

/** A faulty report placed on purpose, so tests and demos can show how each is refused. */
export interface PlantedFault {
  kind: string;
  reportId: string;
  officeCode: string;
  description: string;
}

/**
 * Everything the provincial simulator serves, and the units and sectors the national simulator
 * knows. This is the documented format of a data set file (docs/simulators.md).
 */
export interface DataSet {
  format: 'baocao-gateway/data-set@1';
  province: { code: string; name: string };
  asOf: string;
  regimes: RegimeRecord[];
  units: UnitRecord[];
  sectors: SectorRecord[];
  indicators: IndicatorRecord[];
  sections: Array<{ sectionCode: string; title: string }>;
  periods: PeriodRecord[];
  reports: ProvincialReport[];
  faults: PlantedFault[];
}

/** Units in force on a Vietnam calendar date. */
export function unitsInForce(units: readonly UnitRecord[], date: string): UnitRecord[] {
  return units.filter(
    (unit) => unit.validFrom <= date && (unit.validTo === null || unit.validTo >= date),
  );
}

/** A data set from its parts and the catalogue it was generated with. */
export function assembleDataSet(parts: {
  province: DataSet['province'];
  asOf: Date;
  catalogue: Pick<DataSet, 'regimes' | 'indicators' | 'sections'>;
  units: UnitRecord[];
  sectors: SectorRecord[];
  periods: Period[];
  reports: ProvincialReport[];
  faults?: PlantedFault[];
}): DataSet {
  return {
    format: 'baocao-gateway/data-set@1',
    province: parts.province,
    asOf: parts.asOf.toISOString(),
    regimes: parts.catalogue.regimes,
    units: parts.units,
    sectors: parts.sectors,
    indicators: parts.catalogue.indicators,
    sections: parts.catalogue.sections,
    periods: parts.periods.map((period) => ({
      periodId: period.id,
      kind: period.kind,
      dataYear: period.year,
      from: period.from,
      to: period.to,
    })),
    reports: parts.reports,
    faults: parts.faults ?? [],
  };
}
