import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { CurrentCaller } from '../access/caller.decorator';
import { Roles, type Caller } from '../access/roles.decorator';
import { exportAudit } from './audit-export';
import { parsePage } from '../common/paging';
import {
  AUDIT_FILTER_NAMES,
  AuditFilterError,
  parseAuditFilters,
  queryAuditPage,
  type AuditFilterText,
} from './audit-query';
import { AuditService } from './audit.service';

type FilterQuery = AuditFilterText;

const ApiFilters = (): MethodDecorator => (target, key, descriptor) => {
  for (const name of AUDIT_FILTER_NAMES)
    ApiQuery({ name, required: false })(target, key, descriptor);
};

@ApiTags('audit')
@ApiBearerAuth()
@Roles('auditor', 'admin')
@Controller('api/audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly dataSource: DataSource,
  ) {}

  @Get('events')
  @ApiOperation({
    summary: 'Events in chain order, filtered, keyset-paged: pass nextAfter back as after.',
  })
  @ApiFilters()
  @ApiQuery({ name: 'after', required: false })
  @ApiQuery({ name: 'limit', required: false })
  async events(@Query() query: FilterQuery & { after?: string; limit?: string }) {
    const page = parsePage(query, 'seq');
    const { after: _after, limit: _limit, ...filters } = query;
    return queryAuditPage(this.dataSource, parseAuditFilters(filters), page.after, page.limit);
  }

  @Get('verify')
  @ApiOperation({
    summary:
      'Recompute the chain and check the signed checkpoints: OK, or the first bad event and why.',
  })
  @ApiQuery({ name: 'fromCheckpoint', required: false, enum: ['true', 'false'] })
  @ApiOkResponse({ description: '{ ok: true, events, head, … } or { ok: false, seq, reason }' })
  verify(@Query('fromCheckpoint') fromCheckpoint?: string) {
    if (fromCheckpoint !== undefined && fromCheckpoint !== 'true' && fromCheckpoint !== 'false') {
      throw new AuditFilterError(
        'invalid',
        'FROM_CHECKPOINT_INVALID',
        'fromCheckpoint phải là true hoặc false',
        'fromCheckpoint',
      );
    }
    return this.audit.verify({ fromCheckpoint: fromCheckpoint === 'true' });
  }

  @Get('checkpoints')
  @ApiOperation({
    summary:
      'The signed checkpoints, with the public key, for auditors to keep outside the system.',
  })
  checkpoints() {
    return this.audit.checkpoints();
  }

  @Get('export')
  @ApiOperation({
    summary:
      'Stream the filtered events as JSON Lines or CSV, with the checkpoint they verify against. Audited.',
  })
  @ApiFilters()
  @ApiQuery({ name: 'format', required: false, enum: ['jsonl', 'csv'] })
  async export(
    @Query() query: FilterQuery & { format?: string },
    @CurrentCaller() caller: Caller,
    @Res() response: Response,
  ): Promise<void> {
    const format = query.format ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'csv')
      throw new AuditFilterError(
        'invalid',
        'EXPORT_FORMAT_INVALID',
        'format phải là jsonl hoặc csv',
        'format',
      );
    const { format: _format, ...filters } = query;
    const parsed = parseAuditFilters(filters);
    response.setHeader(
      'content-type',
      format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    );
    response.setHeader('content-disposition', `attachment; filename="audit-export.${format}"`);
    await exportAudit(this.dataSource, this.audit.log, {
      format,
      filters: parsed,
      output: response,
      actor: caller.subject,
    });
    response.end();
  }
}
