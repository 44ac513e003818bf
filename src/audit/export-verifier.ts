import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { eventHash } from './audit-chain';
import { EXPORT_KIND } from './audit-export';
import {
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
  /** What was proven, or the first fault, in words. */
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
  const fail = (summary: string): ExportVerification => ({
    ok: false,
    events,
    complete: Boolean(header?.complete),
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
        return fail(`not an audit export (kind ${String(header.kind)})`);
      const checkpoint = read.checkpoint;
      const key = trustedPublicKeyPem
        ? normalisePem(trustedPublicKeyPem)
        : checkpoint
          ? normalisePem(checkpoint.public_key)
          : '';
      keyTrusted = Boolean(trustedPublicKeyPem);
      verifier = new ChainVerifier(checkpoint ? [checkpoint] : [], [key], read.start);
      if (verifier.failure) return fail(verifier.failure.reason);
      continue;
    }
    if (record.kind === 'end') {
      trailer = record as typeof trailer;
      break;
    }
    const row = record as unknown as EventRow;
    events += 1;
    if (header.complete) {
      if (!verifier!.accept(row)) return fail(verifier!.failure!.reason);
    } else {
      if (BigInt(row.seq) <= previousSeq) return fail(`event ${row.seq} is out of order`);
      if (eventHash(row.prev_hash, contentOf(row)) !== row.hash)
        return fail(
          `the content of event ${row.seq} was altered: its hash does not match what it holds`,
        );
      if (
        header.checkpoint &&
        String(row.seq) === String(header.checkpoint.seq) &&
        row.hash !== header.checkpoint.hash
      )
        return fail(`event ${row.seq} differs from the signed checkpoint`);
      previousSeq = BigInt(row.seq);
    }
  }
  if (!header) return fail('the file is empty');
  if (!trailer) return fail('the file ends before its trailer: it was cut short');
  if (trailer.events !== events)
    return fail(`the trailer counts ${trailer.events} events, the file holds ${events}`);
  if (header.complete) {
    const result = verifier!.finish(header.start?.seq ?? '0');
    if (!result.ok) return fail(result.reason);
    return {
      ok: true,
      events,
      complete: true,
      keyTrusted,
      summary: `complete chain of ${events} events intact, up to the signed checkpoint at event ${header.checkpoint?.seq ?? '(none)'}`,
    };
  }
  return {
    ok: true,
    events,
    complete: false,
    keyTrusted,
    summary: `${events} events intact (each hash matches its content); a filtered export cannot prove that nothing between them is missing: verify a complete export for that`,
  };
}
