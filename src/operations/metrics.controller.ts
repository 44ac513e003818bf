import { Controller, Get, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../access/roles.decorator';
import { MetricsService } from './metrics.service';

/** /metrics on the API's port, behind its tokens (when metrics.port is unset). */
@ApiTags('operations')
@ApiBearerAuth()
@Roles('operator', 'auditor', 'admin')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @ApiOperation({
    summary:
      "The gateway's metrics in Prometheus' text format (docs/operations.md). With metrics.port set, they are served there instead, open.",
  })
  async scrape(@Res() response: Response): Promise<void> {
    const body = await this.metrics.text();
    response.type(this.metrics.contentType).send(body);
  }
}
