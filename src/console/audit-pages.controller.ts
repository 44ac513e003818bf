import { Controller, Get, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public, Roles } from '../access/roles.decorator';
import { exportAudit } from '../audit/audit-export';
import {
  AUDIT_FILTER_NAMES,
  parseAuditFilters,
  queryAuditPage,
  type AuditFilterText,
  type AuditFilters,
} from '../audit/audit-query';
import { AuditService } from '../audit/audit.service';
import { parsePage } from '../common/paging';
import { unitsInScope } from '../transfers/unit-scope';
import { ConsoleErrorFilter, ConsoleGuard, Person } from './console-http';
import type { ConsolePerson } from './console-sessions';
import { ConsoleError } from './console-sessions';
import { page } from './layout';
import { auditPage } from './pages/audit-page';

type Form = Record<string, string | undefined>;

/** The audit trail for auditors: filters, paging, verification, download, checkpoints, keys. */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleErrorFilter)
@Roles('auditor', 'admin')
@Controller('audit')
export class AuditPagesController {
  constructor(
    private readonly audit: AuditService,
    private readonly dataSource: DataSource,
  ) {}

  private async filtersOf(
    person: ConsolePerson,
    query: Form,
  ): Promise<{ text: AuditFilterText; filters: AuditFilters }> {
    const text: AuditFilterText = {};
    for (const name of AUDIT_FILTER_NAMES) if (query[name]) text[name] = query[name];
    const filters = parseAuditFilters(text);
    if (person.scope)
      filters.unitCodes = await unitsInScope(this.dataSource, undefined, person.scope);
    return { text, filters };
  }

  @Get()
  async index(@Person() person: ConsolePerson, @Query() query: Form) {
    const { text, filters } = await this.filtersOf(person, query);
    const paging = parsePage({ after: query.after, limit: query.limit ?? '100' }, 'seq');
    if (query.verify !== undefined && query.verify !== 'checkpoint' && query.verify !== 'all')
      throw new ConsoleError(
        'invalid',
        'VERIFY_INVALID',
        'verify phải là checkpoint hoặc all',
        'verify',
      );
    const [events, checkpoints, verify] = await Promise.all([
      queryAuditPage(this.dataSource, filters, paging.after, paging.limit),
      this.audit.checkpoints(),
      query.verify
        ? this.audit.verify({ fromCheckpoint: query.verify === 'checkpoint' })
        : undefined,
    ]);
    return page(
      { title: 'Nhật ký truyền dữ liệu', person, section: '/audit' },
      auditPage({
        filters: text,
        events: events.items,
        nextAfter: events.nextAfter,
        paged: Boolean(query.after),
        verify,
        checkpoints,
      }),
    ).markup;
  }

  /** The filtered events as CSV or JSON Lines, streamed, audited like the API's export. */
  @Get('export')
  async export(@Person() person: ConsolePerson, @Query() query: Form, @Res() response: Response) {
    const format = query.format ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'csv')
      throw new ConsoleError(
        'invalid',
        'EXPORT_FORMAT_INVALID',
        'format phải là jsonl hoặc csv',
        'format',
      );
    const { filters } = await this.filtersOf(person, query);
    response.setHeader(
      'content-type',
      format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    );
    response.setHeader(
      'content-disposition',
      `attachment; filename="nhat-ky-truyen-du-lieu.${format}"`,
    );
    await exportAudit(this.dataSource, this.audit.log, {
      format,
      filters,
      output: response,
      actor: person.subject,
    });
    response.end();
  }
}
