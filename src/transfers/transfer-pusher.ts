import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ScrubbedBodies, type AuditEventInput, type PendingRow } from '../audit/audit-log';
import type { FormCatalogue } from '../catalog/forms';
import { RemoteSystemError } from '../common/remote-system-error';
import type { StatusPacket, SubmissionPacket } from '../contracts/national-wire';
import {
  TransferEntity,
  type TransferState,
  type TransferStep,
} from '../database/entities/transfer.entity';
import { NationalRejection, type NationalClient } from '../national/national.client';
import { SignatureError } from '../national/packet-signature';
import type { UnitSigner } from '../national/unit-signer';
import type { PushWrite } from './push-write';
import { backoffMs, type RetryPolicy } from './retry-policy';
import { TRANSITIONS, type LeasedTransfer, type TransferTransitions } from './transfer-transitions';

type Outcome = {
  state: TransferState;
  step: TransferStep | null;
  done: boolean;
  /** The lease went to another replica, or an operator, while this one worked: it stops here. */
  lost?: boolean;
};

export interface PusherParts {
  dataSource: DataSource;
  transitions: TransferTransitions;
  national: NationalClient;
  signer: UnitSigner;
  forms: FormCatalogue;
  /** The audit module's pending row of an event: an attempt and its record go in one statement. */
  auditRow: (event: AuditEventInput) => PendingRow;
  policy: RetryPolicy;
  /** Who holds leases: this replica. */
  node: string;
  now: () => Date;
  random: () => number;
}

/**
 * The push state machine: takes one transfer through the national steps under the unit's own
 * accounts (enter → sign → approve → send → confirm), never resends blindly after a lost answer,
 * and writes each step (attempt, audit records, next state) as one statement guarded by its lease.
 */
export class TransferPusher {
  private readonly policy: RetryPolicy;
  private readonly now: () => Date;
  private readonly node: string;

  constructor(private readonly deps: PusherParts) {
    this.policy = deps.policy;
    this.now = deps.now;
    this.node = deps.node;
  }

  /** Transfers due now (by state and time), oldest first, per unit in version order. */
  async due(limit = 100): Promise<string[]> {
    return this.dueOf(limit);
  }

  /** Which of these transfers are due now (the conditions of `due`). */
  async dueAmong(transferIds: string[]): Promise<string[]> {
    return transferIds.length ? this.dueOf(transferIds.length, transferIds) : [];
  }

  private async dueOf(limit: number, among?: string[]): Promise<string[]> {
    const rows = await this.deps.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM transfer
        WHERE state = ANY($3::text[])
          AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
          AND (leased_until IS NULL OR leased_until < $1)
          ${among ? 'AND id = ANY($4::uuid[])' : ''}
        ORDER BY next_attempt_at NULLS FIRST, created_at
        LIMIT $2`,
      [this.now(), limit, TRANSITIONS.lease.from, ...(among ? [among] : [])],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Takes a transfer as far as it goes now: the national steps in order, each under the unit's
   * account for it. Returns the state it was left in. Safe to call from any replica at any time:
   * a lease keeps two from working on one transfer, and a lost answer is read back, not resent.
   * Each step is one write (attempt, audit records, next state); the last one frees the lease.
   */
  async push(transferId: string, actor = 'schedule'): Promise<TransferState | 'busy'> {
    const transfer = await this.deps.transitions.lease(
      transferId,
      this.node,
      new Date(this.now().getTime() + this.policy.leaseMs),
      this.now(),
    );
    if (!transfer) return 'busy';
    let outcome: Outcome | undefined;
    try {
      do {
        outcome = await this.advance(transfer, actor);
        transfer.state = outcome.state;
        transfer.step = outcome.step;
      } while (!outcome.done);
      return outcome.lost ? 'busy' : transfer.state;
    } finally {
      // A push that ends normally freed the lease with its last write; one cut short by an
      // unexpected error frees it here.
      if (!outcome?.done) await this.deps.transitions.unlease(transferId, this.node);
    }
  }

  private async advance(transfer: LeasedTransfer, actor: string): Promise<Outcome> {
    if (transfer.state === 'unknown') return this.readBack(transfer, actor);
    const key = transfer.contentKey!;
    const step = transfer.step ?? 'submit';
    const started = this.now();
    let sent: unknown = null;
    try {
      switch (step) {
        case 'submit': {
          const form = this.deps.forms.form(transfer.formCode, transfer.periodId);
          const payload = transfer.payload as unknown as SubmissionPacket;
          const packet = form.signedBy.includes(transfer.level as never)
            ? await this.deps.signer.sign(payload)
            : payload;
          sent = packet;
          const answer = await this.deps.national.submit(packet, {
            idempotencyKey: `${key}:submit`,
            summary: form.kind === 'grid' && Boolean(form.summaryOf),
          });
          return this.answered(transfer, step, started, answer, actor, 'approve');
        }
        case 'approve': {
          const answer = await this.deps.national.approve(
            transfer.unitCode,
            transfer.submissionId!,
            `${key}:approve`,
          );
          return this.answered(transfer, step, started, answer, actor, 'send');
        }
        case 'send': {
          const answer = await this.deps.national.send(
            transfer.unitCode,
            transfer.submissionId!,
            `${key}:send`,
          );
          return this.answered(transfer, step, started, answer, actor);
        }
        case 'confirm': {
          const detail = await this.deps.national.submission(
            transfer.unitCode,
            transfer.submissionId!,
          );
          const answer = { account: null, status: 200, request: null, response: statusOf(detail) };
          return this.answered(transfer, step, started, answer, actor);
        }
      }
    } catch (error) {
      return this.failure(transfer, step, started, sent, error, actor);
    }
  }

  /**
   * A step the national system answered: its attempt, and with it the next step (submit and
   * approve) or what the answer means (send and confirm).
   */
  private async answered(
    transfer: LeasedTransfer,
    step: TransferStep,
    started: Date,
    answer: { account: string | null; status: number; request: unknown; response: StatusPacket },
    actor: string,
    next?: TransferStep,
  ): Promise<Outcome> {
    const write = this.attempt(transfer, {
      step,
      started,
      outcome: 'ok',
      account: answer.account,
      httpStatus: answer.status,
      request: answer.request,
      response: answer.response,
      actor,
    });
    if (!next) return this.afterSend(transfer, answer.response, write);
    this.change(write, transfer, {
      state: 'pushing',
      step: next,
      submissionId: answer.response.submissionId,
      nationalStatus: answer.response.status,
      ...this.renewed(),
    });
    return this.commit(write, { state: 'pushing', step: next, done: false });
  }

  /** After a send or a confirmation read: received → confirmed; returned; or wait and ask again. */
  private async afterSend(
    transfer: LeasedTransfer,
    status: StatusPacket,
    write: PushWrite,
  ): Promise<Outcome> {
    const current = status.clientReference === transfer.contentKey;
    if (current && status.status === 'received') return this.confirm(transfer, status, write);
    if (current && status.status === 'returned')
      return this.settle(
        transfer,
        'returned',
        null,
        status,
        { returnedReason: status.returnedReason },
        write,
      );
    this.change(write, transfer, {
      state: 'pushed',
      step: 'confirm',
      nationalStatus: status.status,
      nextAttemptAt: new Date(this.now().getTime() + this.policy.confirmDelayMs),
      ...FREE,
    });
    return this.commit(write, { state: 'pushed', step: 'confirm', done: true });
  }

  private async confirm(
    transfer: LeasedTransfer,
    status: StatusPacket,
    write: PushWrite,
  ): Promise<Outcome> {
    this.change(write, transfer, {
      state: 'confirmed',
      step: null,
      nationalStatus: status.status,
      submissionId: status.submissionId,
      confirmedAt: this.now(),
      nextAttemptAt: null,
      lastError: null,
      ...FREE,
    });
    write
      .audit(
        this.deps.auditRow({
          actor: 'schedule',
          action: 'transfer.confirmed',
          outcome: 'ok',
          unitCode: transfer.unitCode,
          formCode: transfer.formCode,
          periodId: transfer.periodId,
          transferId: transfer.id,
          response: status,
          details: { version: transfer.version, submissionId: status.submissionId },
        }),
      )
      .advanceCursor(transfer.periodId, transfer.unitCode, this.now());
    return this.commit(write, { state: 'confirmed', step: null, done: true });
  }

  /**
   * Before any resend after a lost answer: ask the national system what it holds under this
   * content key, and adopt it, or send once more when it holds nothing.
   */
  private async readBack(transfer: LeasedTransfer, actor: string): Promise<Outcome> {
    const started = this.now();
    try {
      const found = await this.deps.national.findByClientReference(transfer.unitCode, {
        clientReference: transfer.contentKey!,
        formCode: transfer.formCode,
        periodId: transfer.periodId,
      });
      const current = found && found.clientReference === transfer.contentKey ? found : undefined;
      const write = this.attempt(transfer, {
        step: 'readback',
        started,
        outcome: current ? 'adopted' : 'ok',
        account: null,
        httpStatus: 200,
        request: { clientReference: transfer.contentKey },
        response: found ?? null,
        actor,
      });
      const next: Record<string, TransferStep> = {
        draft: 'approve',
        approved: 'send',
        sent: 'confirm',
        received: 'confirm',
        returned: 'confirm',
      };
      // Nothing stored under this content: the submit did not land; send it once more.
      const outcome: Outcome = current
        ? {
            state:
              current.status === 'draft' || current.status === 'approved' ? 'pushing' : 'pushed',
            step: next[current.status],
            done: false,
          }
        : { state: 'pushing', step: 'submit', done: false };
      this.change(write, transfer, {
        state: outcome.state,
        step: outcome.step,
        ...(current ? { submissionId: current.submissionId, nationalStatus: current.status } : {}),
        ...this.renewed(),
      });
      return this.commit(write, outcome);
    } catch (error) {
      return this.failure(transfer, 'readback', started, null, error, actor);
    }
  }

  /** A transfer at rest: its state, the reason, an audit record; the lease freed. */
  private async settle(
    transfer: LeasedTransfer,
    state: TransferState,
    step: TransferStep | null,
    status: StatusPacket | null,
    error: Record<string, unknown> | null,
    write: PushWrite,
  ): Promise<Outcome> {
    this.change(write, transfer, {
      state,
      step,
      nextAttemptAt: null,
      lastError: error,
      ...(status ? { submissionId: status.submissionId, nationalStatus: status.status } : {}),
      ...FREE,
    });
    write.audit(
      this.deps.auditRow({
        actor: 'schedule',
        action: `transfer.${state}`,
        outcome: state,
        unitCode: transfer.unitCode,
        formCode: transfer.formCode,
        periodId: transfer.periodId,
        transferId: transfer.id,
        details: { version: transfer.version, ...(error ?? {}) },
      }),
    );
    return this.commit(write, { state, step, done: true });
  }

  /** What an error means for the transfer: invalid, failed, unknown, or try again later. */
  private async failure(
    transfer: LeasedTransfer,
    step: string,
    started: Date,
    sent: unknown,
    error: unknown,
    actor: string,
  ): Promise<Outcome> {
    const remote = error instanceof RemoteSystemError ? error : undefined;
    const message = error instanceof Error ? error.message : String(error);
    if (!remote && !(error instanceof SignatureError)) throw error;
    // Only a step that changes something, sent and unanswered, is ambiguous.
    const ambiguous = remote?.ambiguous === true && step !== 'confirm' && step !== 'readback';
    const write = this.attempt(transfer, {
      step,
      started,
      outcome: ambiguous ? 'unknown' : 'failed',
      account: remote?.account ?? null,
      httpStatus: remote?.status ?? null,
      request: sent,
      response:
        error instanceof NationalRejection
          ? { errors: error.errors, warnings: error.warnings }
          : null,
      actor,
      error: message,
      retryable: remote?.retryable ?? false,
    });
    if (error instanceof NationalRejection) {
      this.change(write, transfer, { problems: error.errors });
      return this.settle(
        transfer,
        'invalid',
        null,
        null,
        { step, code: error.code, message },
        write,
      );
    }
    if (error instanceof SignatureError)
      return this.settle(
        transfer,
        'failed',
        transfer.step,
        null,
        { step, code: error.code, message },
        write,
      );
    // Not retryable, or the retry budget spent: failed and dead-lettered with its input.
    const attempts = transfer.attempts + 1;
    if (!remote!.retryable || attempts >= this.policy.retryLimit)
      return this.settle(
        transfer,
        'failed',
        transfer.step,
        null,
        {
          step,
          code: remote!.retryable ? 'RETRY_BUDGET_SPENT' : remote!.code,
          message,
          ...(remote!.retryable
            ? { attempts }
            : { status: remote!.status, account: remote!.account ?? null }),
          deadLetter: { version: transfer.version, contentKey: transfer.contentKey },
        },
        write,
      );
    const state: TransferState = ambiguous
      ? 'unknown'
      : transfer.state === 'mapped'
        ? 'pushing'
        : transfer.state;
    this.change(write, transfer, {
      state,
      attempts,
      lastError: { step, code: remote!.code, message, status: remote!.status },
      nextAttemptAt: new Date(
        this.now().getTime() +
          backoffMs(this.policy, attempts, this.deps.random, remote!.retryAfterSeconds),
      ),
      ...FREE,
    });
    return this.commit(write, { state, step: transfer.step, done: true });
  }

  /**
   * Sends a step's write. Each write renews the lease or frees it; one refused because the lease
   * is no longer this replica's ends the push (the replica holding it now goes on).
   */
  private async commit(write: PushWrite, outcome: Outcome): Promise<Outcome> {
    if (await write.run(this.deps.dataSource)) return outcome;
    return { ...outcome, done: true, lost: true };
  }

  /** The lease held on for another step. */
  private renewed(): Partial<TransferEntity> {
    return { leasedUntil: new Date(this.now().getTime() + this.policy.leaseMs) };
  }

  /** A change to the transfer, in memory now and in the database with the step's write. */
  private change(
    write: PushWrite,
    transfer: LeasedTransfer,
    change: Partial<TransferEntity>,
  ): void {
    Object.assign(transfer, change);
    write.set(change);
  }

  /** A step's write, begun with its attempt (exact bodies, secrets removed) and audit record. */
  private attempt(
    transfer: LeasedTransfer,
    call: {
      step: string;
      started: Date;
      outcome: string;
      account: string | null;
      httpStatus: number | null;
      request: unknown;
      response: unknown;
      actor: string;
      error?: string | null;
      retryable?: boolean | null;
    },
  ): PushWrite {
    const { step, account, httpStatus, actor, error = null } = call;
    // Scrubbed and hashed once, for the attempt row and the audit record alike.
    const bodies = ScrubbedBodies.of(call.request, call.response);
    return this.deps.transitions
      .step(transfer, this.node)
      .attempt({
        id: randomUUID(),
        transferId: transfer.id,
        version: transfer.version,
        step,
        account,
        node: this.node,
        startedAt: call.started,
        finishedAt: this.now(),
        outcome: call.outcome,
        httpStatus,
        requestJson: bodies.requestJson,
        responseJson: bodies.responseJson,
        requestSha256: bodies.requestSha256,
        responseSha256: bodies.responseSha256,
        error,
        retryable: call.retryable ?? null,
      })
      .audit(
        this.deps.auditRow({
          actor,
          action: `transfer.${step}`,
          outcome: call.outcome,
          unitCode: transfer.unitCode,
          formCode: transfer.formCode,
          periodId: transfer.periodId,
          transferId: transfer.id,
          bodies,
          reason: error,
          details: { version: transfer.version, account, httpStatus },
        }),
      );
  }
}

/** The lease freed, with a push's last write. */
const FREE = { leasedUntil: null, leasedBy: null } as const;

function statusOf(detail: StatusPacket & { versions?: unknown }): StatusPacket {
  const { versions: _versions, ...status } = detail;
  return status;
}
