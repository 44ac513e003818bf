import { createHash } from 'node:crypto';
import { PassThrough, type Writable } from 'node:stream';
import type { DataSource } from 'typeorm';
import type { UnitScope } from '../access/roles.decorator';
import type { AuditService } from '../audit/audit.service';
import { FormCatalogue, type FormDefinition } from '../catalog/forms';
import { parsePeriod } from '../catalog/periods';
import type { AppConfig } from '../config/app-config';
import type { SubmissionPacket } from '../contracts/national-wire';
import type { BoardQuery } from '../transfers/board-query';
import { periodInReachOf } from '../transfers/dto/transfer-requests';
import { TransferError } from '../transfers/transfer-error';
import type { TransfersService } from '../transfers/transfers.service';
import { bieuWorkbook, type BieuSource } from './bieu-workbook';
import { writeComplianceWorkbook } from './compliance-workbook';
import { draftQuery } from './send-workbook';

/** A workbook ready to send: its file name and a function that writes it. */
export interface WorkbookFile {
  fileName: string;
  write(out: Writable): Promise<void>;
}

export interface WorkbooksParts {
  dataSource: DataSource;
  audit: Pick<AuditService, 'record'>;
  transfers: TransfersService;
  board: BoardQuery;
  config: AppConfig;
}

/**
 * The biểu as officials file them (from the confirmed version, or a dry run's draft) and the
 * province's compliance workbook for a period. Every workbook handed out is audited: who, which,
 * and the SHA-256 of the bytes sent.
 */
export class WorkbooksService {
  constructor(private readonly parts: WorkbooksParts) {}

  private get settings() {
    return this.parts.config.workbooks;
  }

  /** The biểu of a transfer as the national system confirmed it. */
  async confirmed(transferId: string, actor: string, scope?: UnitScope): Promise<WorkbookFile> {
    const transfer = await this.parts.transfers.find(transferId, scope);
    if (
      transfer.state !== 'confirmed' ||
      !transfer.payload ||
      !transfer.submissionId ||
      !transfer.confirmedAt
    )
      throw new TransferError(
        'conflict',
        'WORKBOOK_NOT_CONFIRMED',
        `Lượt chuyển ${transfer.id} chưa được Hệ thống báo cáo Chính phủ xác nhận (đang ở trạng thái ${transfer.state}): chưa có bản chính thức. Dùng bản nháp: GET /api/workbooks/draft?${draftQuery(transfer.periodId, transfer.unitCode, transfer.formCode)}`,
        'id',
        { state: transfer.state },
      );
    const packet = transfer.payload as unknown as SubmissionPacket;
    const source: BieuSource = {
      form: this.formOf(packet.header.formCode, packet.header.regimeCode),
      packet,
      period: parsePeriod(transfer.periodId),
      unit: await this.unitOf(transfer.unitCode),
      stamp: {
        kind: 'confirmed',
        submissionId: transfer.submissionId,
        confirmedAt: transfer.confirmedAt,
      },
      dated: transfer.confirmedAt,
    };
    return this.bieuFile(source, actor, transfer.id, {});
  }

  /**
   * The biểu of a unit's current approved provincial report, mapped as a dry run would (nothing
   * is kept or sent), stamped "Bản nháp — chưa gửi"; an invalid one lists its problems.
   */
  async draft(
    query: { periodId?: unknown; unit?: unknown; form?: unknown },
    actor: string,
    scope?: UnitScope,
  ): Promise<WorkbookFile> {
    const periodId = periodInReachOf(query.periodId, FormCatalogue.load());
    const unit = textParameter(query.unit, 'unit');
    const formCode = textParameter(query.form, 'form');
    // startSync keeps to the caller's scope (OUT_OF_SCOPE) before it reaches any system.
    const result = await this.parts.transfers.startSync(
      { periodId, units: [unit], forms: [formCode], dryRun: true },
      actor,
      scope,
    );
    const item = result.dryRunItems?.find(
      (candidate) => candidate.unitCode === unit && candidate.formCode === formCode,
    );
    if (!item) {
      const skipped = result.skipped.find((candidate) => candidate.unitCode === unit);
      throw new TransferError(
        'not-found',
        'WORKBOOK_NO_REPORT',
        skipped
          ? `Không lập được bản nháp ${formCode} của ${unit} kỳ ${periodId}: báo cáo của đơn vị bị bỏ qua (${skipped.reason})`
          : `Không lập được bản nháp ${formCode} của ${unit} kỳ ${periodId}: hệ thống tỉnh chưa có báo cáo đã duyệt nào của đơn vị cho biểu này`,
        'unit',
      );
    }
    const source: BieuSource = {
      form: this.formOf(item.payload.header.formCode, item.payload.header.regimeCode),
      packet: item.payload,
      period: parsePeriod(periodId),
      unit: await this.unitOf(unit),
      stamp: {
        kind: 'draft',
        problems: item.problems.filter((problem) => problem.severity !== 'warning'),
      },
      dated: new Date(),
    };
    return this.bieuFile(source, actor, null, { draft: true, valid: item.valid });
  }

  /** The province's compliance workbook for a period, streamed. */
  compliance(query: { periodId?: unknown }, actor: string, scope?: UnitScope): WorkbookFile {
    const periodId = periodInReachOf(query.periodId, FormCatalogue.load());
    const period = parsePeriod(periodId);
    return {
      fileName: `tinh-hinh-gui-bao-cao-${periodId}.xlsx`,
      write: (out) =>
        this.parts.board.compliance(periodId, scope, (board, cells) =>
          this.audited(
            out,
            (hashed) =>
              writeComplianceWorkbook(
                { period, board, cells, madeAt: new Date(), madeBy: actor },
                hashed,
              ),
            {
              actor,
              periodId,
              details: { kind: 'compliance', scope: scope ?? null, lines: board.totals.total },
            },
          ),
        ),
    };
  }

  private bieuFile(
    source: BieuSource,
    actor: string,
    transferId: string | null,
    details: Record<string, unknown>,
  ): WorkbookFile {
    const shortCode = source.form.code.split('/')[0];
    const fileName = `${shortCode}-${source.unit.code}-${source.period.id}${source.stamp.kind === 'draft' ? '-ban-nhap' : ''}.xlsx`;
    return {
      fileName,
      write: (out) =>
        this.audited(out, (hashed) => bieuWorkbook(source, this.settings).xlsx.write(hashed), {
          actor,
          periodId: source.period.id,
          unitCode: source.unit.code,
          formCode: source.form.code,
          transferId,
          details: {
            kind: 'bieu',
            ...details,
            ...(source.stamp.kind === 'confirmed'
              ? { submissionId: source.stamp.submissionId }
              : { problems: source.stamp.problems.length }),
          },
        }),
    };
  }

  /**
   * Writes a workbook through a hash of its bytes, then records who took which workbook and its
   * SHA-256, so an auditor can match a file on someone's desk with the trail.
   */
  private async audited(
    out: Writable,
    write: (hashed: Writable) => Promise<void>,
    event: {
      actor: string;
      periodId: string;
      unitCode?: string;
      formCode?: string;
      transferId?: string | null;
      details: Record<string, unknown>;
    },
  ): Promise<void> {
    const hash = createHash('sha256');
    let bytes = 0;
    const hashed = new PassThrough();
    hashed.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    hashed.pipe(out, { end: false });
    const piped = new Promise<void>((resolve, reject) => {
      hashed.on('end', resolve);
      hashed.on('error', reject);
    });
    await write(hashed);
    if (!hashed.writableEnded) hashed.end();
    await piped;
    await this.parts.audit.record({
      actor: event.actor,
      action: 'workbook.exported',
      outcome: 'ok',
      periodId: event.periodId,
      unitCode: event.unitCode ?? null,
      formCode: event.formCode ?? null,
      transferId: event.transferId ?? null,
      details: { ...event.details, bytes, sha256: hash.digest('hex') },
    });
  }

  private formOf(code: string, regime: string): FormDefinition {
    const form = FormCatalogue.load().forms.find(
      (candidate) => candidate.code === code && candidate.regime === regime,
    );
    if (!form)
      throw new TransferError(
        'unprocessable',
        'WORKBOOK_FORM_UNKNOWN',
        `Không có định nghĩa biểu ${code} (chế độ ${regime}) để dựng bảng tính`,
        'form',
      );
    return form;
  }

  private async unitOf(code: string): Promise<BieuSource['unit']> {
    const [row] = await this.parts.dataSource.query<
      Array<{
        name: string;
        level: string;
        parent_name: string | null;
        parent_level: string | null;
      }>
    >(
      `SELECT u.name, u.level, p.name AS parent_name, p.level AS parent_level
         FROM provincial_unit u LEFT JOIN provincial_unit p ON p.office_code = u.parent_code
        WHERE u.office_code = $1`,
      [code],
    );
    return {
      code,
      name: row?.name ?? code,
      level: row?.level ?? 'unknown',
      // The province as a parent is the province's committee (workbooks.province).
      parentName: row?.parent_name && row.parent_level !== 'province' ? row.parent_name : null,
    };
  }
}

function textParameter(value: unknown, name: string): string {
  if (typeof value !== 'string' || !value.trim() || value.length > 200)
    throw new TransferError('invalid', 'PARAMETER_REQUIRED', `Thiếu tham số ${name}`, name);
  return value.trim();
}
