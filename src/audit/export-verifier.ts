import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { eventHash } from './audit-chain';
import { EXPORT_KIND } from './audit-export';
import {
  alteredReason,
  ChainVerifier,
  contentOf,
  normalisePem,
  type CheckpointRow,
  type EventRow,
} from './audit-verifier';

export interface ExportVerification {
  ok: boolean;
  events: number;
  complete: boolean;
  /** A stable code of the outcome: EXPORT_INTACT, EXPORT_EVENTS_INTACT, or the first fault's. */
  code: string;
  /** What was proven, or the first fault, in words (Vietnamese). */
  summary: string;
  keyTrusted: boolean;
}

/**
 * Verifies a JSON Lines audit export offline, without the database: every event's hash against
 * its content, the links and the signed checkpoint for a complete export, the checkpoint's
 * signature against the auditor's own copy of the public key when one is given.
 */
export async function verifyExportFile(
  file: string,
  trustedPublicKeyPem?: string,
): Promise<ExportVerification> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  type Header = {
    kind?: string;
    complete?: boolean;
    checkpoint?: CheckpointRow | null;
    start?: { seq: string; hash: string };
  };
  let header: Header | undefined;
  let verifier: ChainVerifier | undefined;
  let events = 0;
  let previousSeq = 0n;
  let trailer: { kind: string; events: number } | undefined;
  let keyTrusted = false;
  const fail = (code: string, summary: string): ExportVerification => ({
    ok: false,
    events,
    complete: Boolean(header?.complete),
    code,
    summary,
    keyTrusted,
  });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const record = JSON.parse(line) as Record<string, unknown>;
    if (!header) {
      const read = record as Header;
      header = read;
      if (read.kind !== EXPORT_KIND)
        return fail(
          'EXPORT_NOT_AUDIT',
          `Không phải tệp xuất nhật ký kiểm toán (kind ${String(header.kind)})`,
        );
      const checkpoint = read.checkpoint;
      const key = trustedPublicKeyPem
        ? normalisePem(trustedPublicKeyPem)
        : checkpoint
          ? normalisePem(checkpoint.public_key)
          : '';
      keyTrusted = Boolean(trustedPublicKeyPem);
      verifier = new ChainVerifier(checkpoint ? [checkpoint] : [], [key], read.start);
      if (verifier.failure) return fail(verifier.failure.code, verifier.failure.reason);
      continue;
    }
    if (record.kind === 'end') {
      trailer = record as typeof trailer;
      break;
    }
    const row = record as unknown as EventRow;
    events += 1;
    if (header.complete) {
      if (!verifier!.accept(row)) return fail(verifier!.failure!.code, verifier!.failure!.reason);
    } else {
      if (BigInt(row.seq) <= previousSeq)
        return fail('EVENT_OUT_OF_ORDER', `Sự kiện ${row.seq} sai thứ tự`);
      if (eventHash(row.prev_hash, contentOf(row)) !== row.hash)
        return fail('EVENT_ALTERED', alteredReason(row.seq));
      if (
        header.checkpoint &&
        String(row.seq) === String(header.checkpoint.seq) &&
        row.hash !== header.checkpoint.hash
      )
        return fail('CHECKPOINT_MISMATCH', `Sự kiện ${row.seq} khác với điểm kiểm tra có ký`);
      previousSeq = BigInt(row.seq);
    }
  }
  if (!header) return fail('EXPORT_EMPTY', 'Tệp trống');
  if (!trailer) return fail('EXPORT_TRUNCATED', 'Tệp dừng trước dòng kết thúc: tệp đã bị cắt ngắn');
  if (trailer.events !== events)
    return fail(
      'EXPORT_COUNT_MISMATCH',
      `Dòng kết thúc đếm ${trailer.events} sự kiện, tệp chứa ${events}`,
    );
  if (header.complete) {
    const result = verifier!.finish(header.start?.seq ?? '0');
    if (!result.ok) return fail(result.code, result.reason);
    return {
      ok: true,
      events,
      complete: true,
      keyTrusted,
      code: 'EXPORT_INTACT',
      summary: `Chuỗi đầy đủ ${events} sự kiện còn nguyên vẹn, tới điểm kiểm tra có ký tại sự kiện ${header.checkpoint?.seq ?? '(chưa có)'}`,
    };
  }
  return {
    ok: true,
    events,
    complete: false,
    keyTrusted,
    code: 'EXPORT_EVENTS_INTACT',
    summary: `${events} sự kiện còn nguyên vẹn (mỗi mã băm khớp với nội dung); tệp xuất có lọc không chứng minh được rằng không thiếu sự kiện nào ở giữa: hãy kiểm tra một tệp xuất đầy đủ`,
  };
}
