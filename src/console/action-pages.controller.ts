import {
  Body,
  Controller,
  Get,
  Param,
  Post,
  Query,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public, Roles } from '../access/roles.decorator';
import { TransfersService } from '../transfers/transfers.service';
import { defaultBoardPeriod } from '../transfers/board-query';
import { periodOf, recentQuarters } from './board.controller';
import { ConsoleErrorFilter, ConsoleGuard, Person } from './console-http';
import { ConsoleError, type ConsolePerson } from './console-sessions';
import { formatNumber, periodName } from '../common/format';
import { html } from './html';
import { page } from './layout';
import {
  actionsPage,
  discrepancyPage,
  dryRunPage,
  progressPage,
  progressWord,
} from './pages/action-pages';
import { unitNames } from './unit-names';

type Form = Record<string, string | undefined>;

function unitsOf(text: string | undefined): string[] | undefined {
  const units = (text ?? '')
    .split(/[\s,;]+/)
    .map((unit) => unit.trim())
    .filter(Boolean);
  return units.length ? units : undefined;
}

function sinceOf(text: string | undefined): Date {
  const since = new Date(text ?? '');
  if (Number.isNaN(since.getTime()) || since.getFullYear() < 2000 || since.getFullYear() > 3000)
    throw new ConsoleError(
      'invalid',
      'SINCE_INVALID',
      'since phải là một thời điểm ISO 8601',
      'since',
    );
  return since;
}

/** Operators' actions: sync or dry run a period and follow it live, reconcile, resolve discrepancies. */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleErrorFilter)
@Roles('operator', 'admin')
@Controller('actions')
export class ActionPagesController {
  constructor(
    private readonly transfers: TransfersService,
    private readonly dataSource: DataSource,
  ) {}

  @Get()
  async index(@Person() person: ConsolePerson) {
    const [counts, discrepancies] = await Promise.all([
      this.transfers.stateCounts(['failed', 'unknown', 'invalid'], person.scope),
      this.transfers.discrepancies(
        { status: 'open' },
        { limit: 100, after: undefined },
        person.scope,
      ),
    ]);
    const names = await unitNames(
      this.dataSource,
      discrepancies.items.map((item) => item.unitCode),
    );
    return page(
      { title: 'Thao tác', person, section: '/actions' },
      actionsPage({
        periods: recentQuarters(),
        period: defaultBoardPeriod(new Date()),
        csrfToken: person.csrfToken,
        discrepancies: discrepancies.items,
        names,
        counts: {
          failed: counts.failed ?? 0,
          unknown: counts.unknown ?? 0,
          invalid: counts.invalid ?? 0,
        },
      }),
    ).markup;
  }

  @Post('sync')
  async sync(@Person() person: ConsolePerson, @Body() body: Form, @Res() response: Response) {
    const parameters = {
      periodId: body.periodId,
      units: unitsOf(body.units),
      reason: body.reason,
    };
    if (!body.reason?.trim())
      throw new ConsoleError(
        'invalid',
        'REASON_REQUIRED',
        'Cần ghi lý do để lưu vào nhật ký kiểm toán',
        'reason',
      );
    if (body.dryRun === 'true') {
      const result = await this.transfers.startSync(
        { ...parameters, dryRun: true },
        person.subject,
        person.scope,
      );
      const names = await unitNames(this.dataSource, [
        ...(result.dryRunItems ?? []).map((item) => item.unitCode),
        ...result.skipped.map((skip) => skip.unitCode),
      ]);
      response
        .type('html')
        .send(
          page(
            { title: `Chạy thử: ${periodName(result.periodId)}`, person, section: '/actions' },
            dryRunPage(result, names),
          ).markup,
        );
      return;
    }
    const started = await this.transfers.enqueueSync(parameters, person.subject, person.scope);
    const query = new URLSearchParams({
      period: started.periodId,
      since: started.requestedAt.toISOString(),
      ...(started.units && !person.scope ? { units: started.units.join(',') } : {}),
    });
    response.redirect(303, `/actions/sync?${query.toString()}`);
  }

  private async progress(person: ConsolePerson, query: Form) {
    const period = periodOf(query.period);
    const units = unitsOf(query.units);
    const since = sinceOf(query.since);
    const progress = await this.transfers.syncProgress({
      periodId: period.id,
      units,
      actor: person.subject,
      since,
      scope: person.scope,
    });
    return { period, units, since, progress };
  }

  @Get('sync')
  async following(@Person() person: ConsolePerson, @Query() query: Form) {
    const { period, units, progress } = await this.progress(person, query);
    const live = `/actions/sync/progress?${new URLSearchParams(query as Record<string, string>).toString()}`;
    return page(
      { title: `Đồng bộ ${periodName(period.id)}`, person, section: '/actions', live: true },
      progressPage({ periodId: period.id, units: units ?? null, liveUrl: live, progress }),
    ).markup;
  }

  /** The numbers the progress page polls for (console.js). */
  @Get('sync/progress')
  async progressNumbers(@Person() person: ConsolePerson, @Query() query: Form) {
    const { progress } = await this.progress(person, query);
    return {
      done: progress.done,
      fields: {
        status: progressWord(progress),
        ...Object.fromEntries(
          Object.entries(progress.byState).map(([state, count]) => [state, formatNumber(count)]),
        ),
      },
    };
  }

  @Post('reconcile')
  async reconcile(@Person() person: ConsolePerson, @Body() body: Form) {
    const result = await this.transfers.reconcile(
      { periodId: body.periodId },
      person.subject,
      person.scope,
    );
    const found = Object.entries(result.found)
      .map(([kind, count]) => `${kind}: ${formatNumber(count)}`)
      .join(', ');
    return page(
      {
        title: `Đối soát ${periodName(result.periodId)}`,
        person,
        section: '/actions',
        notice: {
          kind: 'ok',
          text: `Đã đối soát. Phát hiện: ${found}; gửi lại ${formatNumber(result.repushed.length)} lượt chuyển.`,
        },
      },
      html`<p><a href="/actions">Về trang thao tác</a> để xem và xử lý các sai lệch.</p>`,
    ).markup;
  }

  @Get('discrepancies/:id')
  async discrepancy(@Person() person: ConsolePerson, @Param('id') id: string) {
    const item = await this.transfers.discrepancy(id, person.scope);
    const names = await unitNames(this.dataSource, [item.unitCode]);
    return page(
      { title: 'Sai lệch', person, section: '/actions' },
      discrepancyPage(item, names.get(item.unitCode), person.csrfToken),
    ).markup;
  }

  @Post('discrepancies/:id')
  async resolve(
    @Person() person: ConsolePerson,
    @Param('id') id: string,
    @Body() body: Form,
    @Res() response: Response,
  ) {
    const resolved = await this.transfers.resolveDiscrepancy(
      id,
      person.subject,
      { reason: body.reason, action: body.action },
      person.scope,
    );
    response.redirect(303, resolved.transferId ? `/transfers/${resolved.transferId}` : '/actions');
  }
}
