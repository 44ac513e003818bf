import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parsePeriod, periodContaining, periodsFromTo, type Period } from '../../catalog/periods';
import { projectRoot } from '../../config/project-root';
import type {
  IndicatorRecord,
  IndicatorValue,
  ProvincialReport,
  RegimeRecord,
  SectorRecord,
  UnitRecord,
} from '../../contracts/provincial-wire';
import { assembleDataSet, unitsInForce, type DataSet, type PlantedFault } from './data-set';
import { figuresToValues, outlineSections, satisfactionCounts, sectorFigures } from './figures';
import { SeededRandom } from './random';

interface ProvinceSeed {
  province: { code: string; name: string };
  reorganisedOn: string;
  firstPeriod: string;
  seed: number;
  departments: Array<{ code: string; name: string; sectors: string[] }>;
  districts: Array<{ code: string; name: string; communes: number }>;
  districtAgencies: Array<{ suffix: string; name: string; sectors: string[] }>;
  communeSectors: { before: string[]; after: string[] };
  afterReorganisation: {
    formerQuangNgai: { communes: number; wards: number };
    formerKonTum: { communes: number; wards: number };
    specialZone: { code: string; name: string; successorOf: string };
  };
  faults: Array<{ kind: string; unit: string }>;
}

interface IndicatorCatalogue {
  regimes: RegimeRecord[];
  indicators: IndicatorRecord[];
  sections: Array<{ sectionCode: string; title: string }>;
  satisfactionLabels: Record<1 | 2 | 3, string[]>;
}

const DEMO_DIR = path.join(projectRoot, 'config', 'demo');
const readYaml = <T>(file: string): T =>
  parseYaml(readFileSync(path.join(DEMO_DIR, file), 'utf8')) as T;

export function loadDemoSeeds(): {
  province: ProvinceSeed;
  sectors: SectorRecord[];
  catalogue: IndicatorCatalogue;
} {
  return {
    province: readYaml<ProvinceSeed>('quang-ngai.yaml'),
    sectors: readYaml<{ sectors: SectorRecord[] }>('sectors.yaml').sectors,
    catalogue: {
      ...readYaml<Omit<IndicatorCatalogue, 'satisfactionLabels'>>('indicators.yaml'),
      satisfactionLabels: (
        parseYaml(
          readFileSync(
            path.join(projectRoot, 'config', 'catalog', 'satisfaction-levels.yaml'),
            'utf8',
          ),
        ) as {
          levels: Record<1 | 2 | 3, string[]>;
        }
      ).levels,
    },
  };
}

const dayBefore = (date: string): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

function buildUnits(seed: ProvinceSeed): UnitRecord[] {
  const { province, reorganisedOn, afterReorganisation: after } = seed;
  const lastOldDay = dayBefore(reorganisedOn);
  const units: UnitRecord[] = [];
  const unit = (
    record: Omit<UnitRecord, 'successorCodes' | 'demo'> & Partial<UnitRecord>,
  ): UnitRecord => {
    const full: UnitRecord = { successorCodes: [], demo: false, ...record };
    units.push(full);
    return full;
  };
  unit({
    officeCode: province.code,
    name: province.name,
    level: 'province',
    parentCode: null,
    validFrom: '1989-07-01',
    validTo: null,
    sectorCodes: [],
  });
  for (const department of seed.departments) {
    unit({
      officeCode: department.code,
      name: department.name,
      level: 'department',
      parentCode: province.code,
      validFrom: '2025-03-01',
      validTo: null,
      sectorCodes: department.sectors,
    });
  }

  // After the reorganisation: communes and wards of the former Quảng Ngãi, the special zone,
  // then the former Kon Tum's.
  const newUnits: UnitRecord[] = [];
  const addNew = (code: string, name: string, demo = true) =>
    newUnits.push(
      unit({
        officeCode: code,
        name,
        level: 'commune',
        parentCode: province.code,
        validFrom: reorganisedOn,
        validTo: null,
        sectorCodes: seed.communeSectors.after,
        demo,
      }),
    );
  let communeNumber = 0;
  let wardNumber = 0;
  const formerQuangNgai: UnitRecord[] = [];
  for (const [count, kind] of [
    [after.formerQuangNgai.communes, 'xa'],
    [after.formerQuangNgai.wards, 'phuong'],
  ] as const) {
    for (let index = 0; index < count; index++) {
      const number = kind === 'xa' ? ++communeNumber : ++wardNumber;
      addNew(
        `QNG-${kind === 'xa' ? 'X' : 'P'}-${String(number).padStart(3, '0')}`,
        `${kind === 'xa' ? 'Xã' : 'Phường'} số ${number} (demo)`,
      );
      formerQuangNgai.push(newUnits[newUnits.length - 1]);
    }
  }
  addNew(after.specialZone.code, after.specialZone.name, false);
  const specialZone = newUnits[newUnits.length - 1];
  for (const [count, kind] of [
    [after.formerKonTum.communes, 'xa'],
    [after.formerKonTum.wards, 'phuong'],
  ] as const) {
    for (let index = 0; index < count; index++) {
      const number = kind === 'xa' ? ++communeNumber : ++wardNumber;
      addNew(
        `QNG-${kind === 'xa' ? 'X' : 'P'}-${String(number).padStart(3, '0')}`,
        `${kind === 'xa' ? 'Xã' : 'Phường'} số ${number} (demo, địa bàn Kon Tum cũ)`,
      );
    }
  }

  // Before: districts with their agencies and communes; each old commune maps onto one new
  // unit of the former Quảng Ngãi, in order, and its district's successors are the union.
  const oldCommuneTotal = seed.districts
    .filter((district) => district.code !== after.specialZone.successorOf)
    .reduce((sum, district) => sum + district.communes, 0);
  let oldCommuneIndex = 0;
  for (const district of seed.districts) {
    const districtUnit = unit({
      officeCode: district.code,
      name: district.name,
      level: 'district',
      parentCode: province.code,
      validFrom: '2020-01-01',
      validTo: lastOldDay,
      sectorCodes: [],
    });
    const successors = new Set<string>();
    for (let index = 1; index <= district.communes; index++) {
      let successor: UnitRecord;
      if (district.code === after.specialZone.successorOf) successor = specialZone;
      else
        successor =
          formerQuangNgai[
            Math.floor((oldCommuneIndex++ * formerQuangNgai.length) / oldCommuneTotal)
          ];
      successors.add(successor.officeCode);
      unit({
        officeCode: `${district.code}-X${String(index).padStart(2, '0')}`,
        name: `Xã ${index} thuộc ${district.name} (demo)`,
        level: 'commune',
        parentCode: district.code,
        validFrom: '2020-01-01',
        validTo: lastOldDay,
        successorCodes: [successor.officeCode],
        sectorCodes: seed.communeSectors.before,
        demo: true,
      });
    }
    const agencySectors = new Set<string>(seed.communeSectors.before);
    for (const agency of seed.districtAgencies) {
      agency.sectors.forEach((sector) => agencySectors.add(sector));
      unit({
        officeCode: `${district.code}-${agency.suffix}`,
        name: `${agency.name} ${district.name} (demo)`,
        level: 'district-agency',
        parentCode: district.code,
        validFrom: '2020-01-01',
        validTo: lastOldDay,
        successorCodes: [...successors],
        sectorCodes: agency.sectors,
        demo: true,
      });
    }
    districtUnit.successorCodes = [...successors];
    districtUnit.sectorCodes = [...agencySectors].sort();
  }
  return units;
}

export interface DemoDataOptions {
  /** The instant the data set describes; decides the current period. Default: now. */
  asOf?: Date;
}

/**
 * The seeded Quảng Ngãi data set: units before and after the 2025 reorganisation, the sector
 * catalogue, and every unit's report for every quarter from Q1/2025 to the current one, with
 * figures that obey the balance rules and carry over between quarters, plus the documented
 * faulty reports in the current quarter. Same seeds and asOf: same data.
 */
export function generateDemoDataSet(options: DemoDataOptions = {}): DataSet {
  const asOf = options.asOf ?? new Date();
  const { province: seed, sectors, catalogue } = loadDemoSeeds();
  const units = buildUnits(seed);
  const sectorByCode = new Map(sectors.map((sector) => [sector.MALINHVUC, sector]));
  const current = periodContaining('quarter', asOf);
  const periods = periodsFromTo(parsePeriod(seed.firstPeriod), current);
  const regime = catalogue.regimes[0].regimeCode;
  const reports: ProvincialReport[] = [];
  const carry = new Map<string, { tthc: number; pakn: number }>();

  for (const period of periods) {
    const tree = unitsInForce(units, period.to);
    const isCurrent = period.id === current.id;
    const byDistrict = new Map<string, ProvincialReport[]>();
    for (const filer of tree.filter(
      (unit) => unit.level !== 'province' && unit.level !== 'district',
    )) {
      const report = unitReport(filer, period, {
        seed: seed.seed,
        regime,
        asOf,
        isCurrent,
        sectorByCode,
        catalogue,
        carry,
      });
      reports.push(report);
      if (filer.parentCode && filer.parentCode !== seed.province.code) {
        byDistrict.set(filer.parentCode, [...(byDistrict.get(filer.parentCode) ?? []), report]);
      }
    }
    // A district files the summary of its units on the provincial system too.
    for (const district of tree.filter((unit) => unit.level === 'district')) {
      reports.push(
        summaryReport(district, period, byDistrict.get(district.officeCode) ?? [], {
          seed: seed.seed,
          regime,
          asOf,
          isCurrent,
          catalogue,
        }),
      );
    }
  }

  const faults = plantFaults(seed, units, reports, current);
  return assembleDataSet({
    province: seed.province,
    asOf,
    catalogue,
    units,
    sectors,
    periods,
    reports,
    faults,
  });
}

interface ReportContext {
  seed: number;
  regime: string;
  asOf: Date;
  isCurrent: boolean;
  catalogue: IndicatorCatalogue;
}

function timestamps(
  random: SeededRandom,
  period: Period,
  context: ReportContext,
): { approvedAt: string } {
  // Past periods were approved a few days after their cut-off; the current one in the last days.
  const approved = context.isCurrent
    ? new Date(context.asOf.getTime() - random.int(1, 72) * 3600_000)
    : new Date(period.endsBefore.getTime() + random.int(6, 96) * 3600_000);
  return { approvedAt: approved.toISOString() };
}

function unitReport(
  unit: UnitRecord,
  period: Period,
  context: ReportContext & {
    sectorByCode: Map<string, SectorRecord>;
    carry: Map<string, { tthc: number; pakn: number }>;
  },
): ProvincialReport {
  const values: IndicatorValue[] = [];
  const totals = { received: 0, online: 0, finished: 0, late: 0 };
  for (const sectorCode of unit.sectorCodes) {
    const sector = context.sectorByCode.get(sectorCode);
    if (!sector) throw new Error(`unit ${unit.officeCode} handles unknown sector ${sectorCode}`);
    const key = `${unit.officeCode}|${sectorCode}`;
    const figures = sectorFigures(
      new SeededRandom(context.seed, unit.officeCode, sectorCode, period.id),
      unit.level,
      context.carry.get(key),
    );
    context.carry.set(key, {
      tthc: figures.tthc.TTHC_DANG_GQ_TONG,
      pakn: figures.pakn.PAKN_DANG_XU_LY,
    });
    values.push(...figuresToValues({ code: sector.MALINHVUC, name: sector.TENLINHVUC }, figures));
    totals.received += figures.tthc.TTHC_NHAN_TRUC_TUYEN + figures.tthc.TTHC_NHAN_TRUC_TIEP;
    totals.online += figures.tthc.TTHC_NHAN_TRUC_TUYEN;
    totals.finished += figures.tthc.TTHC_DA_GQ_TONG;
    totals.late += figures.tthc.TTHC_DA_GQ_QUA_HAN;
  }
  return assembleReport(unit, period, values, totals, context);
}

function summaryReport(
  district: UnitRecord,
  period: Period,
  children: ProvincialReport[],
  context: ReportContext,
): ProvincialReport {
  const sums = new Map<string, IndicatorValue>();
  for (const value of children.flatMap((child) => child.values)) {
    const key = `${value.indicatorCode}|${value.sectorCode}`;
    const sum = sums.get(key);
    if (sum) sum.value += value.value;
    else sums.set(key, { ...value });
  }
  const values = [...sums.values()];
  const total = (code: string) =>
    values
      .filter((value) => value.indicatorCode === code)
      .reduce((sum, value) => sum + value.value, 0);
  return assembleReport(
    district,
    period,
    values,
    {
      received: total('TTHC_NHAN_TRUC_TUYEN') + total('TTHC_NHAN_TRUC_TIEP'),
      online: total('TTHC_NHAN_TRUC_TUYEN'),
      finished: total('TTHC_DA_GQ_TONG'),
      late: total('TTHC_DA_GQ_QUA_HAN'),
    },
    context,
  );
}

function assembleReport(
  unit: UnitRecord,
  period: Period,
  values: IndicatorValue[],
  totals: { received: number; online: number; finished: number; late: number },
  context: ReportContext,
): ProvincialReport {
  const random = new SeededRandom(context.seed, 'report', unit.officeCode, period.id);
  const { approvedAt } = timestamps(random, period, context);
  const submittedOnly = context.isCurrent && random.next() < 0.08;
  const edited = random.next() < 0.15;
  // Directive: districts and communes also report satisfaction counts.
  const rates = unit.level === 'commune' || unit.level === 'district';
  return {
    reportId: `${period.id}.${unit.officeCode}.${context.regime}`,
    officeCode: unit.officeCode,
    periodId: period.id,
    dataYear: period.year,
    regimeCode: context.regime,
    status: submittedOnly ? 'submitted' : 'approved',
    version: edited ? 2 : 1,
    updatedAt: approvedAt,
    approvedAt: submittedOnly ? null : approvedAt,
    values,
    sections: outlineSections(context.catalogue.sections, unit.name, period.id, totals),
    satisfaction: rates
      ? satisfactionCounts(random, context.catalogue.satisfactionLabels, totals.received)
      : [],
  };
}

const FAULT_DESCRIPTIONS: Record<string, string> = {
  'broken-balance':
    'TTHC_NHAN_TONG of the first sector is 3 more than online + counter + carried over (II.06a rule 3 = 4 + 5 + 6)',
  'negative-count': 'TTHC_DA_GQ_QUA_HAN of the first sector is -2',
  'unknown-sector':
    'a row for a sector that is not in the catalogue ("Lĩnh vực thử nghiệm (demo)"), without a sector code',
  'nfd-sector-name':
    'the first sector arrives by name only, in Unicode NFD, upper case and with doubled spaces',
  'duplicated-row': 'the TTHC_NHAN_TRUC_TUYEN row of the first sector appears twice',
  'oversized-text': 'section DC_TON_TAI holds 70,000 characters',
  'unit-no-longer-exists': 'a report for a commune abolished on 1/7/2025',
  'still-draft': 'the report is still a draft on the provincial system',
};

function plantFaults(
  seed: ProvinceSeed,
  units: UnitRecord[],
  reports: ProvincialReport[],
  current: Period,
): PlantedFault[] {
  const currentReports = new Map(
    reports
      .filter((report) => report.periodId === current.id)
      .map((report) => [report.officeCode, report]),
  );
  const communes = unitsInForce(units, current.to).filter(
    (unit) => unit.level === 'commune' && unit.demo,
  );
  const planted: PlantedFault[] = [];
  for (const fault of seed.faults) {
    const reference = /^communes\[(\d+)\]$/.exec(fault.unit);
    const officeCode = reference ? communes[Number(reference[1])].officeCode : fault.unit;
    let report = currentReports.get(officeCode);
    if (!report) {
      // A unit outside the current tree: the provincial system still holds a report for it.
      const stale = units.find((unit) => unit.officeCode === officeCode);
      if (!stale) throw new Error(`fault ${fault.kind} names unknown unit ${officeCode}`);
      const template = [...currentReports.values()].find((candidate) =>
        candidate.officeCode.startsWith('QNG-X-'),
      )!;
      report = {
        ...structuredClone(template),
        reportId: `${current.id}.${officeCode}.${template.regimeCode}`,
        officeCode,
      };
      reports.push(report);
    }
    applyFault(fault.kind, report);
    planted.push({
      kind: fault.kind,
      reportId: report.reportId,
      officeCode,
      description: FAULT_DESCRIPTIONS[fault.kind] ?? fault.kind,
    });
  }
  return planted;
}

function applyFault(kind: string, report: ProvincialReport): void {
  const first = report.values[0];
  const firstSector = (code: string) =>
    report.values.find(
      (value) => value.sectorCode === first.sectorCode && value.indicatorCode === code,
    )!;
  switch (kind) {
    case 'broken-balance':
      firstSector('TTHC_NHAN_TONG').value += 3;
      break;
    case 'negative-count':
      firstSector('TTHC_DA_GQ_QUA_HAN').value = -2;
      break;
    case 'unknown-sector':
      report.values.push({
        indicatorCode: 'TTHC_NHAN_TONG',
        sectorCode: null,
        sectorName: 'Lĩnh vực thử nghiệm (demo)',
        value: 4,
      });
      break;
    case 'nfd-sector-name': {
      const name = `  ${(first.sectorName ?? '').toUpperCase().replace(/ /g, '  ')} `.normalize(
        'NFD',
      );
      for (const value of report.values.filter(
        (candidate) => candidate.sectorCode === first.sectorCode,
      )) {
        value.sectorCode = null;
        value.sectorName = name;
      }
      break;
    }
    case 'duplicated-row':
      report.values.push({ ...firstSector('TTHC_NHAN_TRUC_TUYEN') });
      break;
    case 'oversized-text':
      report.sections.find((section) => section.sectionCode === 'DC_TON_TAI')!.text =
        'Nội dung quá dài (demo). '.repeat(2800);
      break;
    case 'unit-no-longer-exists':
      break;
    case 'still-draft':
      report.status = 'draft';
      report.approvedAt = null;
      break;
    default:
      throw new Error(
        `unknown fault kind ${kind}; known: ${Object.keys(FAULT_DESCRIPTIONS).join(', ')}`,
      );
  }
}
