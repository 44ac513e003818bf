import { Controller, Get, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public, Roles } from '../access/roles.decorator';
import { isPeriodId, parsePeriod, quartersBack, type Period } from '../catalog/periods';
import {
  BOARD_WORDS,
  BoardQuery,
  URGENCY_WORDS,
  defaultBoardPeriod,
  type BoardCategory,
} from '../transfers/board-query';
import { ConsoleError } from './console-sessions';
import { ConsoleErrorFilter, ConsoleGuard, Person } from './console-http';
import type { ConsolePerson } from './console-sessions';
import { can, page } from './layout';
import { boardPage, groupPage } from './pages/board-page';
import { periodName } from '../common/format';

/** The last eight quarters, newest first: the board's period picker. */
export function recentQuarters(now = new Date()): Period[] {
  return quartersBack(now, 7);
}

export function periodOf(value: unknown): Period {
  if (value === undefined || value === '') return defaultBoardPeriod(new Date());
  if (typeof value !== 'string' || !isPeriodId(value))
    throw new ConsoleError(
      'invalid',
      'PERIOD_INVALID',
      `Kỳ báo cáo ${JSON.stringify(value)} không đúng dạng (ví dụ 2025-Q1)`,
      'period',
    );
  return parsePeriod(value);
}

/** The period board: the home page. */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleErrorFilter)
@Roles('operator', 'auditor', 'admin')
@Controller()
export class BoardController {
  constructor(private readonly boards: BoardQuery) {}

  @Get()
  async board(@Person() person: ConsolePerson, @Query('period') periodId?: string) {
    const period = periodOf(periodId);
    const periods = recentQuarters();
    if (!periods.some((candidate) => candidate.id === period.id)) periods.push(period);
    const board = await this.boards.board(period.id, person.scope);
    return page(
      { title: `Bảng theo kỳ: ${periodName(period.id)}`, person, section: '/' },
      boardPage(board, periods, can(person, ['operator', 'auditor'])),
    ).markup;
  }

  @Get('board/:period/:group')
  async group(
    @Person() person: ConsolePerson,
    @Param('period') periodId: string,
    @Param('group') groupKey: string,
    @Query('category') category?: string,
    @Query('urgency') urgency?: string,
  ) {
    const period = periodOf(periodId);
    for (const [name, value, words, what] of [
      ['category', category, BOARD_WORDS, 'Tình trạng'],
      ['urgency', urgency, URGENCY_WORDS, 'Mức hạn'],
    ] as const)
      if (value !== undefined && !(value in words))
        throw new ConsoleError(
          'invalid',
          'FILTER_VALUE_UNKNOWN',
          `${what} "${value}" không có`,
          name,
        );
    const [name, cells] = await Promise.all([
      this.boards.groupName(groupKey),
      this.boards.cells(period.id, groupKey, person.scope, {
        category: category as BoardCategory | undefined,
        urgency: urgency as 'overdue' | 'at-risk' | undefined,
      }),
    ]);
    if (!name)
      throw new ConsoleError(
        'not-found',
        'GROUP_NOT_FOUND',
        `Không có nhóm đơn vị ${groupKey}`,
        'group',
      );
    const filterWord = category
      ? BOARD_WORDS[category as BoardCategory]
      : urgency
        ? URGENCY_WORDS[urgency as 'overdue' | 'at-risk']
        : undefined;
    return page(
      { title: `${name}: ${periodName(period.id)}`, person, section: '/' },
      groupPage(period, name, cells, filterWord),
    ).markup;
  }
}
