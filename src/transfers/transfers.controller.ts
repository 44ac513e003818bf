import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from '../access/caller.decorator';
import { Roles, type Caller } from '../access/roles.decorator';
import { parsePage } from '../common/paging';
import type { SyncParameters } from './dto/transfer-requests';
import { parseTransferFilters } from './dto/transfer-requests';
import { TransfersService } from './transfers.service';

const FILTERS = ['status', 'period', 'unit', 'form', 'level'];
const ApiFilters = (): MethodDecorator => (target, key, descriptor) => {
  for (const name of FILTERS) ApiQuery({ name, required: false })(target, key, descriptor);
};

/** Operators: start syncs, see transfers, re-run and cancel them. Every action is audited. */
@ApiTags('transfers')
@ApiBearerAuth()
@Roles('operator', 'admin')
@Controller('api')
export class TransfersController {
  constructor(private readonly transfers: TransfersService) {}

  @Post('sync')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Start a sync: {periodId, units?, forms?, dryRun?, reason?}. A dry run answers with each payload and its difference from the national copy, and sends nothing.',
  })
  sync(@Body() body: SyncParameters, @CurrentCaller() caller: Caller) {
    return this.transfers.startSync(body ?? {}, caller.subject, caller.scope);
  }

  @Get('transfers')
  @Roles('operator', 'auditor', 'admin')
  @ApiOperation({
    summary:
      'Transfers filtered by status, period, unit, form and level, keyset-paged (pass nextAfter back as after).',
  })
  @ApiFilters()
  @ApiQuery({ name: 'after', required: false })
  @ApiQuery({ name: 'limit', required: false })
  list(@Query() query: Record<string, unknown>, @CurrentCaller() caller: Caller) {
    return this.transfers.list(
      { ...parseTransferFilters(query), scope: caller.scope },
      parsePage(query, 'uuid'),
    );
  }

  @Get('transfers/:id')
  @Roles('operator', 'auditor', 'admin')
  @ApiOperation({
    summary:
      'One transfer with its content versions, every attempt (bodies included) and the discrepancies reconciliation found (with field-level diffs).',
  })
  show(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.transfers.show(id, caller.scope);
  }

  @Post('transfers/:id/rerun')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-run one transfer: {reason}. Confirmed with the same content: 409 with the reason.',
  })
  rerun(
    @Param('id') id: string,
    @Body() body: { reason?: unknown },
    @CurrentCaller() caller: Caller,
  ) {
    return this.transfers.rerun(id, caller.subject, body?.reason, caller.scope);
  }

  @Post('transfers/rerun')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-run a filtered batch, in original order per unit: {reason}, filters in the query.',
  })
  @ApiFilters()
  rerunBatch(
    @Query() query: Record<string, unknown>,
    @Body() body: { reason?: unknown },
    @CurrentCaller() caller: Caller,
  ) {
    return this.transfers.rerunBatch(
      { ...parseTransferFilters(query), scope: caller.scope },
      caller.subject,
      body?.reason,
    );
  }

  @Post('reconcile')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Reconcile a period in both directions: {periodId, units?}. Findings become discrepancies; a missing copy is pushed again where policy allows.',
  })
  reconcile(
    @Body() body: { periodId?: unknown; units?: unknown },
    @CurrentCaller() caller: Caller,
  ) {
    return this.transfers.reconcile(body ?? {}, caller.subject, caller.scope);
  }

  @Get('discrepancies')
  @Roles('operator', 'auditor', 'admin')
  @ApiOperation({ summary: 'Discrepancies by status, kind, period and unit, keyset-paged.' })
  @ApiQuery({ name: 'status', required: false, enum: ['open', 'resolved', 'repushed'] })
  @ApiQuery({
    name: 'kind',
    required: false,
    enum: ['missing', 'different', 'unexpected', 'returned'],
  })
  @ApiQuery({ name: 'period', required: false })
  @ApiQuery({ name: 'unit', required: false })
  @ApiQuery({ name: 'after', required: false })
  @ApiQuery({ name: 'limit', required: false })
  discrepancies(@Query() query: Record<string, unknown>, @CurrentCaller() caller: Caller) {
    return this.transfers.discrepancies(query, parsePage(query, 'uuid'), caller.scope);
  }

  @Post('discrepancies/:id/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resolve a discrepancy: {reason, action: accept | repush}.' })
  resolve(
    @Param('id') id: string,
    @Body() body: { reason?: unknown; action?: unknown },
    @CurrentCaller() caller: Caller,
  ) {
    return this.transfers.resolveDiscrepancy(id, caller.subject, body ?? {}, caller.scope);
  }

  @Post('transfers/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a transfer that is not confirmed: {reason}.' })
  cancel(
    @Param('id') id: string,
    @Body() body: { reason?: unknown },
    @CurrentCaller() caller: Caller,
  ) {
    return this.transfers.cancel(id, caller.subject, body?.reason, caller.scope);
  }
}
