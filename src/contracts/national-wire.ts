/**
 * The national report system's wire format, as the gateway assumes it (docs/simulators.md,
 * docs/national-api.openapi.yaml). Messages follow the packet kinds of QCVN 125:2021/BTTTT; the
 * standard's field schema was not read, so field names are this project's. Shared by the national
 * client, the mapping and the simulator that stands in for the system.
 */
export type PacketKind =
  | 'CHE_DO_BAO_CAO' // regime
  | 'BIEU_MAU_BAO_CAO' // form template
  | 'BIEU_MAU_DE_CUONG' // outline template
  | 'SO_LIEU_BAO_CAO' // figures
  | 'SO_LIEU_DANH_SACH' // list figures
  | 'GUI_DE_CUONG' // submit outline
  | 'TRANG_THAI_BAO_CAO' // status
  | 'DANH_MUC_KY_BAO_CAO' // periods
  | 'DANH_MUC_CHI_TIEU'; // indicators

/** Rights of a unit's account: enter, aggregate, approve, send. */
export type Right = 'nhap' | 'tong_hop' | 'duyet' | 'gui';

export interface PacketHeader {
  unitCode: string;
  formCode: string;
  formVersion: number;
  regimeCode: string;
  periodId: string;
  /** The sender's own reference for this content; the gateway uses its content key. */
  clientReference: string;
}

export interface GridRow {
  /** Sector code (MALINHVUC) or unit code, as the form's row kind says. */
  rowKey: string;
  label: string;
  /** Cells by column number ("3" … "13"); only count columns. */
  cells: Record<string, number>;
}

export interface DetachedSignature {
  /** Compact JWS whose payload (left empty) is the canonical JSON of {header, body}; x5c in the protected header. */
  format: 'jws-x5c';
  value: string;
}

export interface FiguresPacket {
  packetKind: 'SO_LIEU_BAO_CAO';
  header: PacketHeader;
  body: { rowKind: 'sector' | 'unit'; rows: GridRow[] };
  signature?: DetachedSignature | null;
}

export interface OutlineSection {
  code: string;
  title: string;
  text: string;
  fields: Record<string, number>;
}

export interface OutlinePacket {
  packetKind: 'GUI_DE_CUONG';
  header: PacketHeader;
  body: { sections: OutlineSection[] };
  signature?: DetachedSignature | null;
}

export type SubmissionPacket = FiguresPacket | OutlinePacket;

export type SubmissionStatus = 'draft' | 'approved' | 'sent' | 'received' | 'returned';

export interface StatusChange {
  status: SubmissionStatus;
  at: string;
  /** The account that made the change, or "system". */
  by: string;
  reason?: string;
}

export interface SubmissionVersion {
  version: number;
  contentHash: string;
  clientReference: string;
  storedAt: string;
  signed: boolean;
  packet: SubmissionPacket;
}

export interface StatusPacket {
  packetKind: 'TRANG_THAI_BAO_CAO';
  submissionId: string;
  unitCode: string;
  formCode: string;
  periodId: string;
  status: SubmissionStatus;
  version: number;
  contentHash: string;
  clientReference: string;
  updatedAt: string;
  returnedReason: string | null;
  history: StatusChange[];
}

export interface SubmissionDetail extends StatusPacket {
  versions: SubmissionVersion[];
}

/** One problem with a submission: a stable code, where, which rule, what was expected and found. */
export interface FieldError {
  code: string;
  field: string;
  rule: string;
  expected: unknown;
  actual: unknown;
  /** For the officials who fix the data, in Vietnamese. */
  message: string;
  severity: 'error' | 'warning';
}
