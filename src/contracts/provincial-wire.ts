/**
 * The provincial report system's wire format, as the gateway assumes it (docs/simulators.md,
 * docs/provincial-api.openapi.json). Modelled on what provincial report systems are seen to use:
 * indicator values per unit and period ({indicatorCode, officeCode, periodId, dataYear, value}),
 * behind an OIDC SSO. Shared by the provincial client, the catalogue, the mapping and the simulator that stands in for the system (contracts/ imports nothing).
 */
export type UnitLevel = 'province' | 'department' | 'district' | 'district-agency' | 'commune';

export interface UnitRecord {
  officeCode: string;
  name: string;
  level: UnitLevel;
  parentCode: string | null;
  /** Vietnam calendar dates, inclusive; validTo null while the unit exists. */
  validFrom: string;
  validTo: string | null;
  successorCodes: string[];
  /** Sector codes (MALINHVUC) whose procedures the unit handles. */
  sectorCodes: string[];
  /** Generated for the demo data set, not a real unit. */
  demo: boolean;
}

/** The sector catalogue in the vendor field names of provincial TTHC gateways. */
export interface SectorRecord {
  MALINHVUC: string;
  TENLINHVUC: string;
  MANGANH: string;
}

export interface IndicatorRecord {
  indicatorCode: string;
  name: string;
  /** Reported per sector (a row per sector) or once per report. */
  bySector: boolean;
  group: 'tthc' | 'pakn';
}

export interface PeriodRecord {
  periodId: string;
  kind: 'month' | 'quarter' | 'half' | 'nine-months' | 'year';
  dataYear: number;
  from: string;
  to: string;
}

export type ReportStatus = 'draft' | 'submitted' | 'approved';

export interface IndicatorValue {
  indicatorCode: string;
  /** Present when the provincial system knows the sector's code; sometimes only the name comes. */
  sectorCode: string | null;
  sectorName: string | null;
  value: number;
}

export interface ReportSection {
  sectionCode: string;
  title: string;
  text: string;
}

export type SatisfactionChannel = 'tablet' | 'paper' | 'tthc-system';

export interface SatisfactionCount {
  channel: SatisfactionChannel;
  /** The label as the source shows it: "Rất hài lòng", "Bình thường", "Rất tệ", … */
  label: string;
  count: number;
}

export interface ProvincialReport {
  reportId: string;
  officeCode: string;
  periodId: string;
  dataYear: number;
  /** The provincial report regime this report answers. */
  regimeCode: string;
  status: ReportStatus;
  /** Increases by one with every change on the provincial system. */
  version: number;
  updatedAt: string;
  approvedAt: string | null;
  values: IndicatorValue[];
  sections: ReportSection[];
  satisfaction: SatisfactionCount[];
}

export interface Page<T> {
  items: T[];
  /** Opaque; absent on the last page. */
  nextCursor: string | null;
  total: number;
}

export interface RegimeRecord {
  regimeCode: string;
  name: string;
  legalBasis: string;
}
