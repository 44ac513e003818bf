import { Controller, Get, Param, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, Roles } from '../access/roles.decorator';
import { sendWorkbook } from '../workbooks/send-workbook';
import { WorkbooksService } from '../workbooks/workbooks.service';
import { ConsoleErrorFilter, ConsoleGuard, Person } from './console-http';
import type { ConsolePerson } from './console-sessions';

/**
 * The workbooks from the console's pages, for the same people as the API (operators and
 * auditors) and through the same service, so each download is audited with the person.
 */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleErrorFilter)
@Roles('operator', 'auditor')
@Controller('workbooks')
export class WorkbookPagesController {
  constructor(private readonly workbooks: WorkbooksService) {}

  @Get('transfer/:id')
  async confirmed(
    @Person() person: ConsolePerson,
    @Param('id') id: string,
    @Res() response: Response,
  ): Promise<void> {
    await sendWorkbook(response, await this.workbooks.confirmed(id, person.subject, person.scope));
  }

  @Get('draft')
  async draft(
    @Person() person: ConsolePerson,
    @Query() query: Record<string, unknown>,
    @Res() response: Response,
  ): Promise<void> {
    await sendWorkbook(response, await this.workbooks.draft(query, person.subject, person.scope));
  }

  @Get('compliance')
  async compliance(
    @Person() person: ConsolePerson,
    @Query() query: Record<string, unknown>,
    @Res() response: Response,
  ): Promise<void> {
    await sendWorkbook(response, this.workbooks.compliance(query, person.subject, person.scope));
  }
}
