import { createHash, randomUUID } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { parsePeriod, previousPeriod } from '../catalog/periods';
import { FormCatalogue, NoFormInForce, type FormDefinition } from '../catalog/forms';
import type { Cells } from '../catalog/form-rules';
import { canonicalJson } from '../common/canonical-json';
import { validatePacket } from '../mapping/payload-validation';
import type {
  FieldError,
  Right,
  StatusPacket,
  SubmissionDetail,
  SubmissionPacket,
  SubmissionStatus,
  SubmissionVersion,
} from '../contracts/national-wire';
import { SignatureError, verifyPacketSignature } from '../national/packet-signature';
import type { UnitRecord } from '../contracts/provincial-wire';
import { unitsInForce, type DataSet } from './data/data-set';
import { FaultInjector, type FaultSettings } from './fault-injector';
import { errorHandler, HttpSimulator, listen, requireToken, type Listening } from './http-helpers';
import type { SimulatedIdentityProvider } from './identity-provider';

export const NATIONAL_SCOPE = 'baocao';

export interface NationalReportSystemOptions {
  data: DataSet;
  idp: SimulatedIdentityProvider;
  /** PEM root certificates that signing certificates must lead to. */
  trustAnchors: string[];
  forms?: FormCatalogue;
  port?: number;
  faults?: Partial<FaultSettings>;
  now?: () => Date;
  /** Delay between "sent" and "received"; 0 (default) receives at once. */
  receiveDelayMs?: number;
}

interface Submission {
  id: string;
  unitCode: string;
  formCode: string;
  periodId: string;
  status: SubmissionStatus;
  versions: SubmissionVersion[];
  history: StatusPacket['history'];
  returnedReason: string | null;
  updatedAt: string;
}

interface StoredAnswer {
  requestHash: string;
  status: number;
  body: unknown;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

/**
 * Stand-in for vpcp.baocaochinhphu.gov.vn: publishes regimes, form templates and periods as
 * QCVN 125 packets; takes figures and outline packets for (unit, form, period) only from an
 * account of that unit holding the right; validates shape, balance rules, known sectors and the
 * signature of units that must sign; moves submissions draft → approved → sent → received, or
 * returned; honours Idempotency-Key; lets a unit read back its submissions. Faults through
 * /__admin.
 */
export class NationalReportSystem extends HttpSimulator {
  readonly faults: FaultInjector;
  private readonly forms: FormCatalogue;
  private readonly submissions = new Map<string, Submission>();
  private readonly byIdentity = new Map<string, string>();
  private readonly answers = new Map<string, StoredAnswer>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly publishedVersions = new Map<string, number>();
  private readonly units: Map<string, UnitRecord>;
  private readonly sectorCodes: Set<string>;

  private constructor(
    private readonly options: NationalReportSystemOptions,
    listening: Listening,
  ) {
    super(listening);
    this.faults = new FaultInjector('national-report-system', options.faults);
    this.forms = options.forms ?? FormCatalogue.load();
    this.units = new Map(options.data.units.map((unit) => [unit.officeCode, unit]));
    this.sectorCodes = new Set(options.data.sectors.map((sector) => sector.MALINHVUC));
  }

  static async start(options: NationalReportSystemOptions): Promise<NationalReportSystem> {
    const app = express();
    const listening = await listen(app, options.port, 'national-reports');
    const system = new NationalReportSystem(options, listening);
    system.mount(app);
    return system;
  }

  private now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  private mount(app: express.Express): void {
    app.disable('x-powered-by');
    app.use('/__admin', this.adminRouter(), this.faults.adminRouter());
    app.use(this.faults.middleware());
    const api = express.Router();
    api.use(requireToken(this.options.idp, NATIONAL_SCOPE));
    api.use(express.json({ limit: '5mb' }));
    api.get(
      '/regimes',
      (_request, response) =>
        void response.json({ packetKind: 'CHE_DO_BAO_CAO', items: this.forms.regimes }),
    );
    api.get('/form-templates', (request, response) => void response.json(this.templates(request)));
    api.get(
      '/periods',
      (_request, response) =>
        void response.json({ packetKind: 'DANH_MUC_KY_BAO_CAO', items: this.options.data.periods }),
    );
    api.get(
      '/sectors',
      (_request, response) =>
        void response.json({
          items: this.options.data.sectors.map((sector) => ({
            code: sector.MALINHVUC,
            name: sector.TENLINHVUC,
            branch: sector.MANGANH,
          })),
        }),
    );
    api.post(
      '/submissions',
      this.handle((request, response) => this.submit(request, response)),
    );
    api.post(
      '/submissions/:id/approve',
      this.handle((request, response) => this.approve(request, response)),
    );
    api.post(
      '/submissions/:id/send',
      this.handle((request, response) => this.send(request, response)),
    );
    api.get(
      '/submissions',
      this.handle(
        (request, response) =>
          void response.json({ packetKind: 'TRANG_THAI_BAO_CAO', items: this.list(request) }),
      ),
    );
    api.get(
      '/submissions/:id',
      this.handle((request, response) => void response.json(this.detail(this.owned(request)))),
    );
    app.use('/api/v1', api);
    app.use(
      (_request, response) =>
        void response.status(404).json({ error: 'not_found', message: 'no such route' }),
    );
    app.use(errorHandler('national-report-system'));
  }

  private handle(work: (request: Request, response: Response) => void | Promise<void>) {
    return (request: Request, response: Response, next: express.NextFunction): void => {
      Promise.resolve()
        .then(() => work(request, response))
        .catch((error: unknown) => {
          if (error instanceof HttpProblem) response.status(error.status).json(error.body);
          else next(error);
        });
    };
  }

  /** The form in force for a period, with any version published at run time. */
  private formFor(code: string, periodId: string): FormDefinition {
    const form = this.forms.form(code, periodId);
    const published = this.publishedVersions.get(code);
    return published ? { ...form, version: published } : form;
  }

  private templates(request: Request) {
    const periodId =
      typeof request.query.periodId === 'string' ? request.query.periodId : undefined;
    const regimeCode =
      typeof request.query.regimeCode === 'string' ? request.query.regimeCode : undefined;
    let forms = periodId ? this.forms.formsFor(periodId) : this.forms.forms;
    if (regimeCode) forms = forms.filter((form) => form.regime === regimeCode);
    return {
      items: forms.map((form) => {
        const { parsedRules: _parsed, ...definition } = form as FormDefinition & {
          parsedRules?: unknown;
        };
        return {
          packetKind: form.kind === 'grid' ? 'BIEU_MAU_BAO_CAO' : 'BIEU_MAU_DE_CUONG',
          ...definition,
          version: this.publishedVersions.get(form.code) ?? form.version,
        };
      }),
    };
  }

  private requireRight(request: Request, right: Right, unitCode: string): string {
    const token = request.token!;
    const account = String(token.sub ?? token.client_id);
    if (typeof token.unit !== 'string') {
      throw new HttpProblem(403, {
        error: 'not_a_unit_account',
        message: `account ${account} is not a unit's account`,
      });
    }
    if (token.unit !== unitCode) {
      throw new HttpProblem(403, {
        error: 'wrong_unit',
        message: `account ${account} belongs to unit ${token.unit}, not ${unitCode}`,
      });
    }
    const rights = Array.isArray(token.rights) ? (token.rights as string[]) : [];
    if (!rights.includes(right)) {
      throw new HttpProblem(403, {
        error: 'missing_right',
        message: `account ${account} lacks the right "${right}"`,
        right,
      });
    }
    return account;
  }

  /** Replays the stored answer of a repeated Idempotency-Key, or records the new one. */
  private async idempotent(
    request: Request,
    response: Response,
    scope: string,
    work: () => Promise<{ status: number; body: unknown }>,
  ): Promise<void> {
    const key = request.get('idempotency-key');
    const requestHash = createHash('sha256')
      .update(`${request.method} ${request.path} ${canonicalJson(request.body ?? null)}`)
      .digest('hex');
    const slot = key ? `${scope}|${key}` : undefined;
    // A request repeating a key whose first request is still being worked on waits for it and is
    // answered from what it stored, as idempotency stores do: the work is never done twice.
    const running = slot ? this.inFlight.get(slot) : undefined;
    if (running) await running.catch(() => undefined);
    const stored = slot ? this.answers.get(slot) : undefined;
    if (stored) {
      if (stored.requestHash !== requestHash) {
        throw new HttpProblem(422, {
          error: 'idempotency_key_reused',
          message: `Idempotency-Key ${key} was used for a different request`,
        });
      }
      this.faults.tally('replayed');
      response.setHeader('Idempotent-Replayed', 'true');
      response.status(stored.status).json(stored.body);
      return;
    }
    const working = work();
    if (slot) this.inFlight.set(slot, working);
    let answer: { status: number; body: unknown };
    try {
      answer = await working;
      if (slot) this.answers.set(slot, { requestHash, ...answer });
    } finally {
      if (slot && this.inFlight.get(slot) === working) this.inFlight.delete(slot);
    }
    if (this.faults.roll('dropAfterStoreRate')) {
      // The work is done and remembered; only the answer is lost on the way back.
      request.socket.destroy();
      return;
    }
    response.status(answer.status).json(answer.body);
  }

  private async submit(request: Request, response: Response): Promise<void> {
    if (!request.get('idempotency-key')) {
      throw new HttpProblem(400, {
        error: 'bad_request',
        field: 'Idempotency-Key',
        message: 'POST /submissions needs an Idempotency-Key header',
      });
    }
    const packet = request.body as SubmissionPacket;
    const header =
      (packet && typeof packet === 'object' && packet.header) || ({} as SubmissionPacket['header']);
    const unit = this.units.get(header.unitCode);
    let form: FormDefinition | undefined;
    let formProblem: FieldError | undefined;
    try {
      form = this.formFor(header.formCode, header.periodId);
    } catch (error) {
      formProblem = {
        code: error instanceof NoFormInForce ? 'NO_FORM_IN_FORCE' : 'PACKET_SHAPE',
        field: 'header.formCode',
        rule: 'a form in force for the period',
        expected: 'a form of the regime in force',
        actual: `${String(header.formCode)} ${String(header.periodId)}`,
        message:
          error instanceof NoFormInForce
            ? `Không có biểu ${header.formCode} áp dụng cho kỳ ${header.periodId}.`
            : `Mã biểu hoặc kỳ báo cáo không hợp lệ.`,
        severity: 'error',
      };
    }
    const right: Right = form && form.kind === 'grid' && form.summaryOf ? 'tong_hop' : 'nhap';
    const account = this.requireRight(request, right, header.unitCode);
    await this.idempotent(request, response, header.unitCode, () =>
      Promise.resolve(this.checkAndStore(packet, unit, form, formProblem, account)),
    );
  }

  private checkAndStore(
    packet: SubmissionPacket,
    unit: UnitRecord | undefined,
    form: FormDefinition | undefined,
    formProblem: FieldError | undefined,
    account: string,
  ): { status: number; body: unknown } {
    const header = packet.header;
    if (formProblem || !form)
      return { status: 422, body: { error: 'validation_failed', errors: [formProblem] } };
    const period = parsePeriod(header.periodId);
    const inForce = unit && unitsInForce([unit], period.to).length === 1;
    if (!unit || !inForce) {
      const error: FieldError = {
        code: 'UNIT_NOT_IN_FORCE',
        field: 'header.unitCode',
        rule: 'the unit exists at the end of the period',
        expected: `a unit in force on ${period.to}`,
        actual: header.unitCode,
        message: `Đơn vị ${header.unitCode} không tồn tại vào ngày ${period.to}.`,
        severity: 'error',
      };
      return { status: 422, body: { error: 'validation_failed', errors: [error] } };
    }
    const children = new Set(
      unitsInForce(this.options.data.units, period.to)
        .filter((candidate) => candidate.parentCode === unit.officeCode)
        .map((candidate) => candidate.officeCode),
    );
    const problems = validatePacket(packet, {
      form,
      unit: { officeCode: unit.officeCode, level: unit.level },
      knownSectorCodes: this.sectorCodes,
      childUnitCodes: children,
      previousRows: this.previousRows(unit.officeCode, form.code, period.id),
    });
    const errors = problems.filter((problem) => problem.severity === 'error');
    if (errors.length) {
      this.faults.tally('rejected');
      return {
        status: 422,
        body: {
          error: 'validation_failed',
          errors,
          warnings: problems.filter((problem) => problem.severity === 'warning'),
        },
      };
    }
    const stored = this.store(packet, unit, form, account);
    return {
      status: stored.created ? 201 : 200,
      body: { ...this.status(stored.submission), duplicate: !stored.created, warnings: problems },
    };
  }

  private previousRows(
    unitCode: string,
    formCode: string,
    periodId: string,
  ): Map<string, Cells> | undefined {
    const id = this.byIdentity.get(
      `${unitCode}|${formCode}|${previousPeriod(parsePeriod(periodId)).id}`,
    );
    const last = id ? this.submissions.get(id)?.versions.at(-1) : undefined;
    if (!last || last.packet.packetKind !== 'SO_LIEU_BAO_CAO') return undefined;
    return new Map(
      last.packet.body.rows.map((row) => [
        row.rowKey,
        Object.fromEntries(
          Object.entries(row.cells).map(([column, value]) => [Number(column), value]),
        ),
      ]),
    );
  }

  private store(
    packet: SubmissionPacket,
    unit: UnitRecord,
    form: FormDefinition,
    account: string,
  ): { submission: Submission; created: boolean } {
    const { clientReference, ...identity } = packet.header;
    const contentHash = createHash('sha256')
      .update(canonicalJson({ header: identity, body: packet.body }))
      .digest('hex');
    const key = `${unit.officeCode}|${form.code}|${packet.header.periodId}`;
    const now = this.now().toISOString();
    let submission = this.submissions.get(this.byIdentity.get(key) ?? '');
    if (submission && submission.versions.at(-1)!.contentHash === contentHash)
      return { submission, created: false };
    if (!submission) {
      submission = {
        id: `NS-${randomUUID()}`,
        unitCode: unit.officeCode,
        formCode: form.code,
        periodId: packet.header.periodId,
        status: 'draft',
        versions: [],
        history: [],
        returnedReason: null,
        updatedAt: now,
      };
      this.submissions.set(submission.id, submission);
      this.byIdentity.set(key, submission.id);
    }
    const correction = submission.versions.length > 0;
    submission.versions.push({
      version: submission.versions.length + 1,
      contentHash,
      clientReference,
      storedAt: now,
      signed: Boolean(packet.signature),
      packet: structuredClone(packet),
    });
    this.change(submission, 'draft', account, correction ? 'correction' : undefined);
    submission.returnedReason = null;
    this.faults.tally('stored');
    return { submission, created: true };
  }

  private change(
    submission: Submission,
    status: SubmissionStatus,
    by: string,
    reason?: string,
  ): void {
    submission.status = status;
    submission.updatedAt = this.now().toISOString();
    submission.history.push({
      status,
      at: submission.updatedAt,
      by,
      ...(reason ? { reason } : {}),
    });
  }

  private owned(request: Request): Submission {
    const submission = this.submissions.get(request.params.id as string);
    if (!submission)
      throw new HttpProblem(404, {
        error: 'not_found',
        message: `no submission ${String(request.params.id)}`,
      });
    const token = request.token!;
    if (token.unit !== submission.unitCode) {
      throw new HttpProblem(403, {
        error: 'wrong_unit',
        message: `submission ${submission.id} belongs to unit ${submission.unitCode}`,
      });
    }
    return submission;
  }

  private async approve(request: Request, response: Response): Promise<void> {
    const submission = this.owned(request);
    const account = this.requireRight(request, 'duyet', submission.unitCode);
    await this.idempotent(request, response, submission.unitCode, () => {
      if (submission.status === 'draft') {
        this.change(submission, 'approved', account);
        this.faults.tally('approved');
      } else if (submission.status === 'returned') {
        throw new HttpProblem(409, {
          error: 'invalid_transition',
          message: 'a returned submission needs a corrected version before approval',
          status: submission.status,
        });
      }
      return Promise.resolve({ status: 200, body: this.status(submission) });
    });
  }

  private async send(request: Request, response: Response): Promise<void> {
    const submission = this.owned(request);
    const account = this.requireRight(request, 'gui', submission.unitCode);
    await this.idempotent(request, response, submission.unitCode, async () => {
      if (submission.status === 'sent' || submission.status === 'received')
        return { status: 200, body: this.status(submission) };
      if (submission.status !== 'approved') {
        throw new HttpProblem(409, {
          error: 'invalid_transition',
          message: `only an approved submission can be sent; this one is ${submission.status}`,
          status: submission.status,
        });
      }
      const current = submission.versions.at(-1)!;
      const form = this.formFor(submission.formCode, submission.periodId);
      const unit = this.units.get(submission.unitCode)!;
      if (form.signedBy.includes(unit.level)) {
        try {
          await verifyPacketSignature(current.packet, {
            trustAnchors: this.options.trustAnchors,
            at: this.now(),
            unitCode: unit.officeCode,
          });
        } catch (error) {
          if (!(error instanceof SignatureError)) throw error;
          const problem: FieldError = {
            code: error.code,
            field: 'signature',
            rule: `units of level ${unit.level} sign ${form.code}`,
            expected: 'a valid signature of the unit',
            actual: error.message,
            message: `Chữ ký số không hợp lệ: ${error.message}.`,
            severity: 'error',
          };
          this.faults.tally('signatureRefused');
          return { status: 422, body: { error: 'validation_failed', errors: [problem] } };
        }
      }
      this.change(submission, 'sent', account);
      this.faults.tally('sent');
      const receive = () => this.receive(submission);
      if (this.options.receiveDelayMs) setTimeout(receive, this.options.receiveDelayMs).unref();
      else receive();
      return { status: 200, body: this.status(submission) };
    });
  }

  private receive(submission: Submission): void {
    if (submission.status !== 'sent') return;
    this.change(submission, 'received', 'system');
    this.faults.tally('received');
    if (this.faults.roll('returnRate'))
      this.returnForCorrection(submission.id, 'Trả lại để chỉnh sửa (giả lập)');
    else if (this.faults.roll('driftRate')) this.drift(submission.id);
  }

  private list(request: Request): StatusPacket[] {
    const unitCode = request.token!.unit;
    if (typeof unitCode !== 'string')
      throw new HttpProblem(403, {
        error: 'not_a_unit_account',
        message: 'only a unit account reads submissions',
      });
    const query = request.query as Record<string, string | undefined>;
    return [...this.submissions.values()]
      .filter(
        (submission) =>
          submission.unitCode === unitCode &&
          (!query.periodId || submission.periodId === query.periodId) &&
          (!query.formCode || submission.formCode === query.formCode) &&
          (!query.status || submission.status === query.status) &&
          (!query.clientReference ||
            submission.versions.some(
              (version) => version.clientReference === query.clientReference,
            )),
      )
      .map((submission) => this.status(submission));
  }

  private status(submission: Submission): StatusPacket {
    const current = submission.versions.at(-1)!;
    return {
      packetKind: 'TRANG_THAI_BAO_CAO',
      submissionId: submission.id,
      unitCode: submission.unitCode,
      formCode: submission.formCode,
      periodId: submission.periodId,
      status: submission.status,
      version: current.version,
      contentHash: current.contentHash,
      clientReference: current.clientReference,
      updatedAt: submission.updatedAt,
      returnedReason: submission.returnedReason,
      history: structuredClone(submission.history),
    };
  }

  private detail(submission: Submission): SubmissionDetail {
    return { ...this.status(submission), versions: structuredClone(submission.versions) };
  }

  /** Sends a submission back to its unit for correction. */
  returnForCorrection(submissionId: string, reason: string): StatusPacket {
    const submission = this.submissions.get(submissionId);
    if (!submission)
      throw new HttpProblem(404, { error: 'not_found', message: `no submission ${submissionId}` });
    submission.returnedReason = reason;
    this.change(submission, 'returned', 'system', reason);
    return this.status(submission);
  }

  /** Silently changes the stored copy of a received submission: one count goes up by one. */
  drift(submissionId: string): SubmissionDetail {
    const submission = this.submissions.get(submissionId);
    if (!submission)
      throw new HttpProblem(404, { error: 'not_found', message: `no submission ${submissionId}` });
    const packet = submission.versions.at(-1)!.packet;
    if (packet.packetKind === 'SO_LIEU_BAO_CAO' && packet.body.rows.length) {
      const cells = packet.body.rows[0].cells;
      const column = Object.keys(cells)[0];
      cells[column] += 1;
    } else if (packet.packetKind === 'GUI_DE_CUONG' && packet.body.sections.length) {
      packet.body.sections[0].text += ' ';
    }
    return this.detail(submission);
  }

  /** Publishes a new version of a form: packets naming the old version are refused from now on. */
  publishFormVersion(code: string): number {
    const current =
      this.publishedVersions.get(code) ??
      this.forms.forms.find((form) => form.code === code)?.version;
    if (current === undefined)
      throw new HttpProblem(404, { error: 'not_found', message: `no form ${code}` });
    this.publishedVersions.set(code, current + 1);
    this.faults.count('formPublished');
    return current + 1;
  }

  /** Every submission of every unit, for tests and the reconcile proofs. */
  allSubmissions(): SubmissionDetail[] {
    return [...this.submissions.values()].map((submission) => this.detail(submission));
  }

  private adminRouter(): express.Router {
    const router = express.Router();
    router.use(express.json());
    const wrap = (work: (request: Request) => unknown) =>
      this.handle((request, response) => void response.json(work(request)));
    router.get(
      '/submissions',
      wrap(() => this.allSubmissions()),
    );
    // Empties the store (submissions and remembered answers), as at a fresh start.
    router.delete(
      '/submissions',
      wrap(() => {
        const cleared = this.submissions.size;
        this.submissions.clear();
        this.byIdentity.clear();
        this.answers.clear();
        return { cleared };
      }),
    );
    router.post(
      '/submissions/:id/return',
      wrap((request) =>
        this.returnForCorrection(
          String(request.params.id),
          String((request.body as { reason?: string }).reason ?? 'Trả lại để chỉnh sửa'),
        ),
      ),
    );
    router.post(
      '/submissions/:id/drift',
      wrap((request) => {
        this.faults.count('drift');
        return this.drift(String(request.params.id));
      }),
    );
    router.post(
      '/forms/publish',
      wrap((request) => ({
        code: (request.body as { code: string }).code,
        version: this.publishFormVersion((request.body as { code: string }).code),
      })),
    );
    return router;
  }
}
