import { createPrivateKey } from 'node:crypto';
import type { FiguresPacket, OutlinePacket } from '../../src/contracts/national-wire';
import { signPacket } from '../../src/national/packet-signature';
import type { ProvincialReport } from '../../src/contracts/provincial-wire';
import type { IssuedCertificate } from '../../src/simulators/demo-pki';

// A hand-written stand-in for the mapper, enough to build valid packets in simulator tests.
const II06A_COLUMNS: Record<string, number> = {
  TTHC_NHAN_TONG: 3,
  TTHC_NHAN_TRUC_TUYEN: 4,
  TTHC_NHAN_TRUC_TIEP: 5,
  TTHC_TON_KY_TRUOC: 6,
  TTHC_DA_GQ_TONG: 7,
  TTHC_DA_GQ_TRUOC_HAN: 8,
  TTHC_DA_GQ_DUNG_HAN: 9,
  TTHC_DA_GQ_QUA_HAN: 10,
  TTHC_DANG_GQ_TONG: 11,
  TTHC_DANG_GQ_TRONG_HAN: 12,
  TTHC_DANG_GQ_QUA_HAN: 13,
};

export function ii06aPacket(
  report: ProvincialReport,
  regimeCode: string,
  clientReference = `ref-${report.reportId}`,
): FiguresPacket {
  const rows = new Map<string, FiguresPacket['body']['rows'][number]>();
  for (const value of report.values) {
    const column = II06A_COLUMNS[value.indicatorCode];
    if (!column || !value.sectorCode) continue;
    const row = rows.get(value.sectorCode) ?? {
      rowKey: value.sectorCode,
      label: value.sectorName ?? value.sectorCode,
      cells: {},
    };
    row.cells[String(column)] = value.value;
    rows.set(value.sectorCode, row);
  }
  return {
    packetKind: 'SO_LIEU_BAO_CAO',
    header: {
      unitCode: report.officeCode,
      formCode: 'II.06a/VPCP/KSTT',
      formVersion: 1,
      regimeCode,
      periodId: report.periodId,
      clientReference,
    },
    body: { rowKind: 'sector', rows: [...rows.values()] },
  };
}

export function outlinePacket(report: ProvincialReport, regimeCode: string): OutlinePacket {
  return {
    packetKind: 'GUI_DE_CUONG',
    header: {
      unitCode: report.officeCode,
      formCode: 'II.01-ĐC/VPCP/KSTT',
      formVersion: 1,
      regimeCode,
      periodId: report.periodId,
      clientReference: `ref-dc-${report.reportId}`,
    },
    body: {
      sections: report.sections.map((section) => ({
        code: section.sectionCode,
        title: section.title,
        text: section.text,
        fields: {},
      })),
    },
  };
}

export async function signed<T extends FiguresPacket | OutlinePacket>(
  packet: T,
  certificate: IssuedCertificate,
): Promise<T> {
  return {
    ...packet,
    signature: await signPacket(
      packet,
      createPrivateKey(certificate.privateKeyPem),
      certificate.chainPem,
    ),
  };
}
