import { Controller, Get } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { Public } from '../access/roles.decorator';
import { LifecycleService } from '../common/lifecycle.service';
import { pendingMigrations } from '../database/migrations';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly lifecycle: LifecycleService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Liveness: the process answers. Open to everyone.' })
  @ApiOkResponse({ description: 'The process is alive.' })
  alive(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: database reachable, migrations applied, not shutting down.',
  })
  @ApiOkResponse({ description: 'Ready to take work.' })
  @ApiServiceUnavailableResponse({ description: 'Not ready; the body says which check failed.' })
  ready() {
    return this.health.check([
      () => {
        const indicator = this.indicators.check('lifecycle');
        return this.lifecycle.stopping
          ? indicator.down({ reason: 'shutting down' })
          : indicator.up();
      },
      () => this.database.pingCheck('database', { timeout: 3000 }),
      async () => {
        const indicator = this.indicators.check('migrations');
        const pending = await pendingMigrations(this.dataSource);
        return pending.length === 0 ? indicator.up() : indicator.down({ pending });
      },
    ]);
  }
}
