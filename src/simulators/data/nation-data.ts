import { periodContaining } from '../../catalog/periods';
import type { ProvincialReport, SectorRecord, UnitRecord } from '../../contracts/provincial-wire';
import { assembleDataSet, type DataSet } from './data-set';
import { loadDemoSeeds } from './demo-data';
import { figuresToValues, outlineSections, satisfactionCounts, sectorFigures } from './figures';
import { SeededRandom } from './random';

/**
 * A nation-sized data set for benchmarks: 34 provinces after the 2025 reorganisation, each with
 * about 97 commune-level units and 21 provincial agencies (about 3,300 communes and 700 agencies
 * in all), every one with a report for the current quarter. All names are generated (demo).
 * Reports come from a generator, one at a time, so a consumer that streams them holds one.
 */
export interface NationOptions {
  asOf?: Date;
  provinces?: number;
  communesPerProvince?: number;
  agenciesPerProvince?: number;
  seed?: number;
}

export function nationUnits(options: NationOptions = {}): UnitRecord[] {
  const { provinces = 34, communesPerProvince = 97, agenciesPerProvince = 21, seed = 34 } = options;
  const { province: quangNgai, sectors } = loadDemoSeeds();
  const sectorCodes = sectors.map((sector) => sector.MALINHVUC);
  const units: UnitRecord[] = [];
  for (let province = 1; province <= provinces; province++) {
    const code = `P${String(province).padStart(2, '0')}`;
    units.push({
      officeCode: code,
      name: `Tỉnh ${province} (demo)`,
      level: 'province',
      parentCode: null,
      validFrom: quangNgai.reorganisedOn,
      validTo: null,
      successorCodes: [],
      sectorCodes: [],
      demo: true,
    });
    for (let agency = 1; agency <= agenciesPerProvince; agency++) {
      const random = new SeededRandom(seed, code, 'agency', agency);
      const handled = sectorCodes.filter(() => random.next() < 0.25);
      units.push({
        officeCode: `${code}-SO${String(agency).padStart(2, '0')}`,
        name: `Sở ${agency} tỉnh ${province} (demo)`,
        level: 'department',
        parentCode: code,
        validFrom: quangNgai.reorganisedOn,
        validTo: null,
        successorCodes: [],
        sectorCodes: handled.length ? handled : [sectorCodes[agency % sectorCodes.length]],
        demo: true,
      });
    }
    for (let commune = 1; commune <= communesPerProvince; commune++) {
      units.push({
        officeCode: `${code}-X${String(commune).padStart(3, '0')}`,
        name: `Xã ${commune} tỉnh ${province} (demo)`,
        level: 'commune',
        parentCode: code,
        validFrom: quangNgai.reorganisedOn,
        validTo: null,
        successorCodes: [],
        sectorCodes: quangNgai.communeSectors.after,
        demo: true,
      });
    }
  }
  return units;
}

export function* nationReports(
  units: readonly UnitRecord[],
  sectors: readonly SectorRecord[],
  options: NationOptions = {},
): Generator<ProvincialReport> {
  const asOf = options.asOf ?? new Date();
  const period = periodContaining('quarter', asOf);
  const { catalogue } = loadDemoSeeds();
  const names = new Map(sectors.map((sector) => [sector.MALINHVUC, sector.TENLINHVUC]));
  for (const unit of units) {
    if (unit.level === 'province') continue;
    const values = [];
    let received = 0;
    let online = 0;
    let finished = 0;
    let late = 0;
    for (const sectorCode of unit.sectorCodes) {
      const figures = sectorFigures(
        new SeededRandom(options.seed ?? 34, unit.officeCode, sectorCode, period.id),
        unit.level,
      );
      values.push(
        ...figuresToValues(
          { code: sectorCode, name: names.get(sectorCode) ?? sectorCode },
          figures,
        ),
      );
      received += figures.tthc.TTHC_NHAN_TRUC_TUYEN + figures.tthc.TTHC_NHAN_TRUC_TIEP;
      online += figures.tthc.TTHC_NHAN_TRUC_TUYEN;
      finished += figures.tthc.TTHC_DA_GQ_TONG;
      late += figures.tthc.TTHC_DA_GQ_QUA_HAN;
    }
    const random = new SeededRandom(options.seed ?? 34, 'report', unit.officeCode, period.id);
    const approvedAt = new Date(asOf.getTime() - random.int(1, 72) * 3600_000).toISOString();
    yield {
      reportId: `${period.id}.${unit.officeCode}.KSTT`,
      officeCode: unit.officeCode,
      periodId: period.id,
      dataYear: period.year,
      regimeCode: 'KSTT',
      status: 'approved',
      version: 1,
      updatedAt: approvedAt,
      approvedAt,
      values,
      sections: outlineSections(catalogue.sections, unit.name, period.id, {
        received,
        online,
        finished,
        late,
      }),
      satisfaction:
        unit.level === 'commune'
          ? satisfactionCounts(random, catalogue.satisfactionLabels, received)
          : [],
    };
  }
}

export function generateNationDataSet(options: NationOptions = {}): DataSet {
  const asOf = options.asOf ?? new Date();
  const { sectors, catalogue } = loadDemoSeeds();
  const units = nationUnits(options);
  const period = periodContaining('quarter', asOf);
  return assembleDataSet({
    province: { code: 'VN', name: 'Cả nước (demo, 34 tỉnh)' },
    asOf,
    catalogue,
    units,
    sectors,
    periods: [period],
    reports: [...nationReports(units, sectors, { ...options, asOf })],
  });
}
