import express, { type Request } from 'express';
import { isPeriodId } from '../catalog/periods';
import type {
  Page,
  ProvincialReport,
  ReportStatus,
  UnitRecord,
} from '../contracts/provincial-wire';
import type { DataSet } from './data/data-set';
import { FaultInjector, type FaultSettings } from './fault-injector';
import {
  BadRequest,
  decodeCursor,
  encodeCursor,
  errorHandler,
  HttpSimulator,
  limitParameter,
  listen,
  optionalString,
  requireToken,
  type Listening,
} from './http-helpers';
import type { SimulatedIdentityProvider } from './identity-provider';

export const PROVINCIAL_SCOPE = 'baocao.read';
const STATUSES: ReportStatus[] = ['draft', 'submitted', 'approved'];

export interface ProvincialReportSystemOptions {
  data: DataSet;
  sso: SimulatedIdentityProvider;
  port?: number;
  faults?: Partial<FaultSettings>;
  /** The clock reports are stamped with when changed through /__admin. */
  now?: () => Date;
}

/**
 * Stand-in for baocao.quangngai.gov.vn's report API: units, sectors, indicators, periods and
 * reports of the KSTT regime, paged by keyset and filtered by period, unit, status and
 * updated-since, behind SSO bearer tokens with scope baocao.read. Wire format: provincial-wire.ts,
 * docs/simulators.md.
 */
export class ProvincialReportSystem extends HttpSimulator {
  readonly faults: FaultInjector;
  private readonly reports = new Map<string, ProvincialReport>();

  private constructor(
    private readonly options: ProvincialReportSystemOptions,
    listening: Listening,
  ) {
    super(listening);
    this.faults = new FaultInjector('provincial-report-system', options.faults);
    for (const report of options.data.reports)
      this.reports.set(report.reportId, structuredClone(report));
  }

  static async start(options: ProvincialReportSystemOptions): Promise<ProvincialReportSystem> {
    const app = express();
    const listening = await listen(app, options.port, 'provincial-reports');
    const system = new ProvincialReportSystem(options, listening);
    system.mount(app);
    return system;
  }

  private mount(app: express.Express): void {
    const { data, sso } = this.options;
    app.disable('x-powered-by');
    app.use('/__admin', this.adminRouter(), this.faults.adminRouter());
    app.use(this.faults.middleware());
    const api = express.Router();
    api.use(requireToken(sso, PROVINCIAL_SCOPE));
    api.get('/regimes', (_request, response) => void response.json({ items: data.regimes }));
    api.get('/sectors', (_request, response) => void response.json({ items: data.sectors }));
    api.get(
      '/indicators',
      (_request, response) =>
        void response.json({ items: data.indicators, sections: data.sections }),
    );
    api.get('/periods', (_request, response) => void response.json({ items: data.periods }));
    api.get('/units', (request, response) => void response.json(this.units(request)));
    api.get('/reports', (request, response) => void response.json(this.listReports(request)));
    api.get('/reports/:reportId', (request, response) => {
      const report = this.reports.get(request.params.reportId);
      if (!report)
        return void response
          .status(404)
          .json({ error: 'not_found', message: `no report ${request.params.reportId}` });
      response.json(report);
    });
    app.use('/api/v1', api);
    app.use(
      (_request, response) =>
        void response.status(404).json({ error: 'not_found', message: 'no such route' }),
    );
    app.use(errorHandler('provincial-report-system'));
  }

  private units(request: Request): Page<UnitRecord> {
    const validOn = optionalString(request.query.validOn, 'validOn');
    if (validOn !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(validOn))
      throw new BadRequest('validOn', 'validOn must be a date YYYY-MM-DD');
    const level = optionalString(request.query.level, 'level');
    const items = this.options.data.units.filter(
      (unit) =>
        (validOn === undefined ||
          (unit.validFrom <= validOn && (unit.validTo === null || unit.validTo >= validOn))) &&
        (level === undefined || unit.level === level),
    );
    return this.page(items, request, (unit) => unit.officeCode, 500);
  }

  private listReports(request: Request): Page<ProvincialReport> {
    const periodId = optionalString(request.query.periodId, 'periodId');
    if (periodId !== undefined && !isPeriodId(periodId))
      throw new BadRequest('periodId', `periodId "${periodId}" is not a period id such as 2025-Q1`);
    const officeCode = optionalString(request.query.officeCode, 'officeCode');
    const regimeCode = optionalString(request.query.regimeCode, 'regimeCode');
    const status = optionalString(request.query.status, 'status');
    if (status !== undefined && !STATUSES.includes(status as ReportStatus))
      throw new BadRequest('status', `status must be one of ${STATUSES.join(', ')}`);
    const updatedSince = optionalString(request.query.updatedSince, 'updatedSince');
    if (updatedSince !== undefined && Number.isNaN(Date.parse(updatedSince)))
      throw new BadRequest('updatedSince', 'updatedSince must be an ISO 8601 instant');
    const since = updatedSince === undefined ? undefined : new Date(updatedSince).toISOString();
    const items = [...this.reports.values()]
      .filter(
        (report) =>
          (periodId === undefined || report.periodId === periodId) &&
          (officeCode === undefined || report.officeCode === officeCode) &&
          (regimeCode === undefined || report.regimeCode === regimeCode) &&
          (status === undefined || report.status === status) &&
          (since === undefined || report.updatedAt >= since),
      )
      .sort((a, b) =>
        a.updatedAt === b.updatedAt
          ? a.reportId.localeCompare(b.reportId)
          : a.updatedAt.localeCompare(b.updatedAt),
      );
    return this.page(items, request, (report) => `${report.updatedAt}|${report.reportId}`, 200);
  }

  /** Keyset paging over an ordered list: the cursor is the sort key of the last item served. */
  private page<T>(
    items: T[],
    request: Request,
    key: (item: T) => string,
    maximum: number,
  ): Page<T> {
    const limit = limitParameter(request.query.limit, 50, maximum);
    const cursor = optionalString(request.query.cursor, 'cursor');
    const after = cursor === undefined ? undefined : decodeCursor<{ after: string }>(cursor).after;
    const rest = after === undefined ? items : items.filter((item) => key(item) > after);
    const served = rest.slice(0, limit);
    return {
      items: served,
      nextCursor:
        rest.length > limit ? encodeCursor({ after: key(served[served.length - 1]) }) : null,
      total: items.length,
    };
  }

  /** Changes a report as a unit would on the provincial system: a new version, stamped now. */
  updateReport(
    reportId: string,
    change: Partial<Pick<ProvincialReport, 'values' | 'sections' | 'satisfaction' | 'status'>>,
  ): ProvincialReport {
    const report = this.reports.get(reportId);
    if (!report) throw new BadRequest('reportId', `no report ${reportId}`);
    const now = (this.options.now ?? (() => new Date()))().toISOString();
    const updated: ProvincialReport = {
      ...report,
      ...structuredClone(change),
      version: report.version + 1,
      updatedAt: now,
      approvedAt: (change.status ?? report.status) === 'approved' ? now : null,
    };
    this.reports.set(reportId, updated);
    this.faults.tally('reportsUpdated');
    return updated;
  }

  private adminRouter(): express.Router {
    const router = express.Router();
    router.use(express.json({ limit: '5mb' }));
    router.post('/reports/:reportId', (request, response) => {
      response.json(
        this.updateReport(
          request.params.reportId,
          request.body as Parameters<ProvincialReportSystem['updateReport']>[1],
        ),
      );
    });
    router.use(errorHandler('provincial-report-system admin'));
    return router;
  }
}
