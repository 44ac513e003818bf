import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentCaller } from '../access/caller.decorator';
import { Roles, type Caller } from '../access/roles.decorator';
import { XLSX_TYPE, sendWorkbook } from './send-workbook';
import { WorkbooksService } from './workbooks.service';

/** Workbooks (XLSX) for operators and auditors: every one handed out is audited. */
@ApiTags('workbooks')
@ApiBearerAuth()
@Roles('operator', 'auditor')
@Controller('api')
export class WorkbooksController {
  constructor(private readonly workbooks: WorkbooksService) {}

  @Get('transfers/:id/workbook')
  @ApiProduces(XLSX_TYPE)
  @ApiOperation({
    summary:
      'The biểu of a confirmed transfer in the layout of its form, stamped with the national submission id and confirmation time. Not confirmed: 409 WORKBOOK_NOT_CONFIRMED.',
  })
  async confirmed(
    @Param('id') id: string,
    @CurrentCaller() caller: Caller,
    @Res() response: Response,
  ): Promise<void> {
    await sendWorkbook(response, await this.workbooks.confirmed(id, caller.subject, caller.scope));
  }

  @Get('workbooks/draft')
  @ApiProduces(XLSX_TYPE)
  @ApiOperation({
    summary:
      "The biểu of a unit's approved provincial report mapped as a dry run (nothing kept or sent), stamped 'Bản nháp — chưa gửi'; an invalid one lists its problems.",
  })
  @ApiQuery({ name: 'periodId', required: true })
  @ApiQuery({ name: 'unit', required: true })
  @ApiQuery({ name: 'form', required: true })
  async draft(
    @Query() query: Record<string, unknown>,
    @CurrentCaller() caller: Caller,
    @Res() response: Response,
  ): Promise<void> {
    await sendWorkbook(response, await this.workbooks.draft(query, caller.subject, caller.scope));
  }

  @Get('workbooks/compliance')
  @ApiProduces(XLSX_TYPE)
  @ApiOperation({
    summary:
      'The compliance workbook of a period: every unit and form with approval and confirmation times, on time or late, skipped and why, invalid with the problems; a sheet per district and a summary. Streamed.',
  })
  @ApiQuery({ name: 'periodId', required: true })
  async compliance(
    @Query() query: Record<string, unknown>,
    @CurrentCaller() caller: Caller,
    @Res() response: Response,
  ): Promise<void> {
    await sendWorkbook(response, this.workbooks.compliance(query, caller.subject, caller.scope));
  }
}
