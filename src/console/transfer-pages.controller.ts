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
import { queryAuditPage } from '../audit/audit-query';
import { FormCatalogue } from '../catalog/forms';
import { answerOf } from '../common/all-exceptions.filter';
import { GatewayError } from '../common/gateway-error';
import { RemoteSystemError } from '../common/remote-system-error';
import { parsePage } from '../common/paging';
import { parseTransferFilters } from '../transfers/dto/transfer-requests';
import { TransfersService } from '../transfers/transfers.service';
import { ConsoleErrorFilter, ConsoleGuard, Person } from './console-http';
import { ConsoleError, type ConsolePerson } from './console-sessions';
import { formShortName, periodName } from '../common/format';
import { html } from './html';
import { can, page, type PageOptions } from './layout';
import { confirmPage } from './pages/confirm-page';
import { stateTag, transferListPage, transferPage, type ListFilters } from './pages/transfer-pages';
import { unitNames } from './unit-names';

type Form = Record<string, string | undefined>;

const LIST_KEYS = ['status', 'period', 'unit', 'form', 'level'] as const;

function listFiltersOf(query: Form): ListFilters {
  const filters: ListFilters = {};
  for (const key of LIST_KEYS)
    if (typeof query[key] === 'string' && query[key]) filters[key] = query[key];
  return filters;
}

const DONE_WORDS: Record<string, string> = {
  rerun: 'Đã chạy lại: lượt chuyển được đưa vào hàng đợi gửi.',
  cancel: 'Đã hủy lượt chuyển.',
};

/** Transfers: the filtered list, one transfer's page, re-run and cancel with a confirmation. */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleErrorFilter)
@Roles('operator', 'auditor', 'admin')
@Controller('transfers')
export class TransferPagesController {
  constructor(
    private readonly transfers: TransfersService,
    private readonly dataSource: DataSource,
  ) {}

  @Get()
  async list(@Person() person: ConsolePerson, @Query() query: Form) {
    const filters = listFiltersOf(query);
    const page_ = parsePage({ after: query.after, limit: query.limit ?? '50' }, 'uuid');
    const result = await this.transfers.list(
      { ...parseTransferFilters(filters), scope: person.scope },
      page_,
    );
    const names = await unitNames(
      this.dataSource,
      result.items.map((item) => item.unitCode),
    );
    return page(
      { title: 'Lượt chuyển', person, section: '/transfers' },
      transferListPage({
        filters,
        forms: FormCatalogue.load().forms,
        items: result.items,
        names,
        nextAfter: result.nextAfter,
        paged: Boolean(query.after),
        canAct: can(person, ['operator', 'admin']),
        csrfToken: person.csrfToken,
      }),
    ).markup;
  }

  @Get(':id')
  async show(
    @Person() person: ConsolePerson,
    @Param('id') id: string,
    @Query('national') national?: string,
    @Query('done') done?: string,
  ) {
    return this.render(person, id, {
      national: national === '1',
      notice: done && DONE_WORDS[done] ? { kind: 'ok', text: DONE_WORDS[done] } : undefined,
    });
  }

  private async render(
    person: ConsolePerson,
    id: string,
    options: { national?: boolean; notice?: PageOptions['notice'] },
  ): Promise<string> {
    const shown = await this.transfers.show(id, person.scope);
    const { transfer } = shown;
    const [names, events] = await Promise.all([
      unitNames(this.dataSource, [transfer.unitCode]),
      queryAuditPage(this.dataSource, { transferId: transfer.id }, undefined, 200),
    ]);
    let national: Parameters<typeof transferPage>[0]['national'] = 'not-asked';
    if (options.national)
      national = await this.transfers.nationalCopy(id, person.scope).catch((error: unknown) => {
        if (error instanceof RemoteSystemError || error instanceof GatewayError) {
          const { body } = answerOf(error);
          return { error: error.message || body.message, code: body.code };
        }
        throw error;
      });
    const header = transfer.payload as { header?: { regimeCode?: string } } | null;
    const form = FormCatalogue.load().forms.find(
      (candidate) =>
        candidate.code === transfer.formCode &&
        (!header?.header?.regimeCode || candidate.regime === header.header.regimeCode),
    );
    return page(
      {
        title: `${formShortName(transfer.formCode)} · ${names.get(transfer.unitCode) ?? transfer.unitCode} · ${periodName(transfer.periodId)}`,
        person,
        section: '/transfers',
        notice: options.notice,
      },
      transferPage({
        ...shown,
        unitName: names.get(transfer.unitCode),
        form,
        events: events.items,
        national,
        canAct: can(person, ['operator', 'admin']),
        canDownload: can(person, ['operator', 'auditor']),
        csrfToken: person.csrfToken,
      }),
    ).markup;
  }

  /** A refusal shown on the transfer's own page, with the status its kind has. */
  private async refused(
    person: ConsolePerson,
    id: string,
    error: unknown,
    response: Response,
  ): Promise<void> {
    if (!(error instanceof GatewayError)) throw error;
    const { status, body } = answerOf(error);
    response
      .status(status)
      .type('html')
      .send(
        await this.render(person, id, {
          notice: { kind: 'error', text: body.message, code: body.code },
        }),
      );
  }

  @Post('rerun')
  @Roles('operator', 'admin')
  async rerunBatch(
    @Person() person: ConsolePerson,
    @Query() query: Form,
    @Body() body: Form,
    @Res() response: Response,
  ) {
    const filters = listFiltersOf(query);
    const parsed = { ...parseTransferFilters(filters), scope: person.scope };
    const action = `/transfers/rerun?${new URLSearchParams(filters as Record<string, string>).toString()}`;
    if (body.confirm !== 'yes') {
      const targets = await this.transfers.batchTargets(parsed);
      const names = await unitNames(
        this.dataSource,
        targets.map((target) => target.unitCode),
      );
      response.type('html').send(
        page(
          { title: 'Xác nhận chạy lại theo bộ lọc', person, section: '/transfers' },
          confirmPage({
            action,
            csrfToken: person.csrfToken,
            fields: { reason: body.reason ?? '' },
            back: `/transfers?${new URLSearchParams(filters as Record<string, string>).toString()}`,
            button: `Xác nhận chạy lại ${targets.length} lượt chuyển`,
            summary: html`<p>
                Sẽ chạy lại <strong>${targets.length}</strong> lượt chuyển chưa được xác nhận (tối
                đa 1.000 mỗi lần), theo thứ tự gốc của từng đơn vị. Lý do:
                <strong>${body.reason ?? ''}</strong>
              </p>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Kỳ</th>
                    <th scope="col">Đơn vị</th>
                    <th scope="col">Biểu</th>
                    <th scope="col">Trạng thái</th>
                  </tr>
                </thead>
                <tbody>
                  ${targets.map(
                    (target) =>
                      html`<tr>
                        <td>${periodName(target.periodId)}</td>
                        <td>${names.get(target.unitCode) ?? target.unitCode}</td>
                        <td>
                          <a href="/transfers/${target.id}">${formShortName(target.formCode)}</a>
                        </td>
                        <td>${stateTag(target.state)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`,
          }),
        ).markup,
      );
      return;
    }
    const result = await this.transfers.rerunBatch(parsed, person.subject, body.reason);
    const refused = result.results.filter((item) => item.code);
    response.type('html').send(
      page(
        {
          title: 'Kết quả chạy lại',
          person,
          section: '/transfers',
          notice: {
            kind: 'ok',
            text: `Đã chạy lại ${result.count - refused.length} trong ${result.count} lượt chuyển.`,
          },
        },
        html`<table>
          <thead>
            <tr>
              <th scope="col">Lượt chuyển</th>
              <th scope="col">Kết quả</th>
            </tr>
          </thead>
          <tbody>
            ${result.results.map(
              (item) =>
                html`<tr>
                  <td><a href="/transfers/${item.id}">${item.id}</a></td>
                  <td>
                    ${item.code ? html`Từ chối: ${item.refused} <code class="code">${item.code}</code>` : html`${stateTag(item.state ?? '')}`}
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>`,
      ).markup,
    );
  }

  @Post(':id/rerun')
  @Roles('operator', 'admin')
  async rerun(
    @Person() person: ConsolePerson,
    @Param('id') id: string,
    @Body() body: Form,
    @Res() response: Response,
  ) {
    await this.act(person, id, body, response, 'rerun');
  }

  @Post(':id/cancel')
  @Roles('operator', 'admin')
  async cancel(
    @Person() person: ConsolePerson,
    @Param('id') id: string,
    @Body() body: Form,
    @Res() response: Response,
  ) {
    await this.act(person, id, body, response, 'cancel');
  }

  private async act(
    person: ConsolePerson,
    id: string,
    body: Form,
    response: Response,
    action: 'rerun' | 'cancel',
  ): Promise<void> {
    try {
      const { transfer } = await this.transfers.show(id, person.scope);
      if (body.confirm !== 'yes') {
        if (!body.reason?.trim())
          throw new ConsoleError(
            'invalid',
            'REASON_REQUIRED',
            'Cần ghi lý do để lưu vào nhật ký kiểm toán',
            'reason',
          );
        const names = await unitNames(this.dataSource, [transfer.unitCode]);
        response.type('html').send(
          page(
            {
              title: action === 'rerun' ? 'Xác nhận chạy lại' : 'Xác nhận hủy lượt chuyển',
              person,
              section: '/transfers',
            },
            confirmPage({
              action: `/transfers/${id}/${action}`,
              csrfToken: person.csrfToken,
              fields: { reason: body.reason },
              back: `/transfers/${id}`,
              danger: action === 'cancel',
              button: action === 'rerun' ? 'Xác nhận chạy lại' : 'Xác nhận hủy',
              summary: html`<p>
                  ${action === 'rerun' ? 'Chạy lại' : 'Hủy'} ${formShortName(transfer.formCode)} của
                  ${names.get(transfer.unitCode) ?? transfer.unitCode},
                  ${periodName(transfer.periodId)}, đang ở trạng thái ${stateTag(transfer.state)}.
                </p>
                <p>Lý do: <strong>${body.reason}</strong></p>`,
            }),
          ).markup,
        );
        return;
      }
      if (action === 'rerun')
        await this.transfers.rerun(id, person.subject, body.reason, person.scope);
      else await this.transfers.cancel(id, person.subject, body.reason, person.scope);
      response.redirect(303, `/transfers/${id}?done=${action}`);
    } catch (error) {
      await this.refused(person, id, error, response);
    }
  }
}
