import { BadRequestException, Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { CurrentCaller } from '../access/caller.decorator';
import { Roles, type Caller } from '../access/roles.decorator';
import { exportAudit } from './audit-export';
import {
  AuditFilterError,
  parseAuditFilters,
  queryAuditPage,
  type AuditFilters,
} from './audit-query';
import { AuditService } from './audit.service';

type FilterQuery = Partial<
  Record<
    'since' | 'until' | 'unit' | 'period' | 'form' | 'actor' | 'action' | 'outcome' | 'transfer',
    string
  >
>;

/** A bad parameter is a 400 naming it. */
function filtersOf(query: FilterQuery): AuditFilters {
  try {
    return parseAuditFilters(query);
  } catch (error) {
    if (!(error instanceof AuditFilterError)) throw error;
    throw new BadRequestException({
      statusCode: 400,
      message: error.message,
      parameter: error.parameter,
    });
  }
}

const FILTERS = [
  'since',
  'until',
  'unit',
  'period',
  'form',
  'actor',
  'action',
  'outcome',
  'transfer',
];
const ApiFilters = (): MethodDecorator => (target, key, descriptor) => {
  for (const name of FILTERS) ApiQuery({ name, required: false })(target, key, descriptor);
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
    const limit = query.limit === undefined ? 100 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new BadRequestException({
        statusCode: 400,
        message: 'limit must be an integer from 1 to 1000',
        parameter: 'limit',
      });
    if (query.after !== undefined && !/^\d+$/.test(query.after))
      throw new BadRequestException({
        statusCode: 400,
        message: 'after must be an event seq',
        parameter: 'after',
      });
    const { after: _after, limit: _limit, ...filters } = query;
    return queryAuditPage(this.dataSource, filtersOf(filters), query.after, limit);
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
      throw new BadRequestException({
        statusCode: 400,
        message: 'fromCheckpoint must be true or false',
        parameter: 'fromCheckpoint',
      });
    }
    return this.audit.verify({ fromCheckpoint: fromCheckpoint === 'true' });
  }

  @Get('checkpoints')
  @ApiOperation({
    summary:
      'The signed checkpoints, with the public key, for auditors to keep outside the system.',
  })
  checkpoints() {
    return this.dataSource.query(
      'SELECT seq, hash, signed_at, key_id, public_key, signature FROM audit_checkpoint ORDER BY seq',
    );
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
      throw new BadRequestException({
        statusCode: 400,
        message: 'format must be jsonl or csv',
        parameter: 'format',
      });
    const { format: _format, ...filters } = query;
    const parsed = filtersOf(filters);
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
