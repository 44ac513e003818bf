import type {
  IndicatorValue,
  ReportSection,
  SatisfactionChannel,
  SatisfactionCount,
  UnitLevel,
} from '../../contracts/provincial-wire';
import type { SeededRandom } from './random';

/** How many dossiers a unit of each level handles per sector per quarter, roughly. */
const SCALE: Record<UnitLevel, number> = {
  province: 0,
  department: 300,
  district: 0,
  'district-agency': 90,
  commune: 45,
};

export interface SectorFigures {
  tthc: Record<string, number>;
  pakn: Record<string, number>;
}

/**
 * One sector's figures for one period, obeying II.06a's balance rules (3 = 4 + 5 + 6,
 * 3 = 7 + 11, 7 = 8 + 9 + 10, 11 = 12 + 13) and carrying the previous period's open dossiers
 * over as this period's column 6.
 */
export function sectorFigures(
  random: SeededRandom,
  level: UnitLevel,
  carried: { tthc?: number; pakn?: number } = {},
): SectorFigures {
  const scale = SCALE[level] || 50;
  const fromBefore = carried.tthc ?? random.int(0, Math.ceil(scale / 6));
  const online = random.int(0, scale);
  const counter = random.int(0, scale);
  const total = online + counter + fromBefore;
  const finished = Math.round(total * random.between(0.7, 0.97));
  const open = total - finished;
  const early = Math.round(finished * random.between(0.3, 0.7));
  const late = Math.round((finished - early) * random.between(0, 0.1));
  const openLate = Math.round(open * random.between(0, 0.2));

  const paknScale = Math.max(2, Math.ceil(scale / 15));
  const paknBefore = carried.pakn ?? random.int(0, Math.ceil(paknScale / 3));
  const paknOnline = random.int(0, paknScale);
  const paknOther = random.int(0, paknScale);
  const paknTotal = paknOnline + paknOther + paknBefore;
  const paknDone = Math.round(paknTotal * random.between(0.6, 1));

  return {
    tthc: {
      TTHC_NHAN_TONG: total,
      TTHC_NHAN_TRUC_TUYEN: online,
      TTHC_NHAN_TRUC_TIEP: counter,
      TTHC_TON_KY_TRUOC: fromBefore,
      TTHC_DA_GQ_TONG: finished,
      TTHC_DA_GQ_TRUOC_HAN: early,
      TTHC_DA_GQ_DUNG_HAN: finished - early - late,
      TTHC_DA_GQ_QUA_HAN: late,
      TTHC_DANG_GQ_TONG: open,
      TTHC_DANG_GQ_TRONG_HAN: open - openLate,
      TTHC_DANG_GQ_QUA_HAN: openLate,
    },
    pakn: {
      PAKN_NHAN_TONG: paknTotal,
      PAKN_NHAN_TRUC_TUYEN: paknOnline,
      PAKN_NHAN_KHAC: paknOther,
      PAKN_TON_KY_TRUOC: paknBefore,
      PAKN_DA_XU_LY: paknDone,
      PAKN_DANG_XU_LY: paknTotal - paknDone,
    },
  };
}

export function figuresToValues(
  sector: { code: string; name: string },
  figures: SectorFigures,
): IndicatorValue[] {
  return Object.entries({ ...figures.tthc, ...figures.pakn }).map(([indicatorCode, value]) => ({
    indicatorCode,
    sectorCode: sector.code,
    sectorName: sector.name,
    value,
  }));
}

export function outlineSections(
  catalogue: ReadonlyArray<{ sectionCode: string; title: string }>,
  unitName: string,
  periodId: string,
  totals: { received: number; online: number; finished: number; late: number },
): ReportSection[] {
  const texts: Record<string, string> = {
    DC_TINH_HINH_CHUNG: `${unitName} triển khai công tác kiểm soát thủ tục hành chính kỳ ${periodId} theo kế hoạch của tỉnh (dữ liệu demo).`,
    DC_KET_QUA: `Trong kỳ, đơn vị tiếp nhận ${totals.received} hồ sơ, trong đó ${totals.online} hồ sơ trực tuyến; đã giải quyết ${totals.finished} hồ sơ, ${totals.late} hồ sơ quá hạn.`,
    DC_TON_TAI:
      totals.late > 0
        ? `Còn ${totals.late} hồ sơ giải quyết quá hạn; nguyên nhân chủ yếu do hồ sơ phức tạp, cần xác minh.`
        : 'Không có hồ sơ quá hạn.',
    DC_DE_XUAT:
      'Tiếp tục đẩy mạnh tiếp nhận hồ sơ trực tuyến; đề nghị cấp trên hướng dẫn thống nhất danh mục lĩnh vực.',
  };
  return catalogue.map((section) => ({ ...section, text: texts[section.sectionCode] ?? '' }));
}

const CHANNELS: SatisfactionChannel[] = ['tablet', 'paper', 'tthc-system'];

export function satisfactionCounts(
  random: SeededRandom,
  labels: Record<1 | 2 | 3, readonly string[]>,
  received: number,
): SatisfactionCount[] {
  const counts: SatisfactionCount[] = [];
  for (const channel of CHANNELS) {
    const rated = Math.round(received * random.between(0.05, 0.3));
    const best = Math.round(rated * random.between(0.5, 0.8));
    const middle = Math.round((rated - best) * random.between(0.5, 0.9));
    counts.push({ channel, label: random.pick(labels[1]), count: best });
    counts.push({ channel, label: random.pick(labels[2]), count: middle });
    counts.push({ channel, label: random.pick(labels[3]), count: rated - best - middle });
  }
  return counts;
}
