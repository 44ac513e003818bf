import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../access/roles.decorator';
import { ConsoleError } from './console-sessions';

const TYPES: Record<string, string> = {
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
};

/** The console's one stylesheet and one script, read once; nothing else is served. */
@ApiExcludeController()
@Public()
@Controller('console/assets')
export class AssetsController {
  private readonly files = new Map(
    Object.keys(TYPES).map((name) => [name, readFileSync(path.join(__dirname, 'assets', name))]),
  );

  @Get(':name')
  asset(@Param('name') name: string, @Res() response: Response) {
    const file = this.files.get(name);
    if (!file) throw new ConsoleError('not-found', 'ASSET_NOT_FOUND', `Không có tệp ${name}`);
    response.type(TYPES[name]).setHeader('Cache-Control', 'public, max-age=300').send(file);
  }
}
