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
import { StandingFaults } from '../common/standing-faults.service';
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
    private readonly faults: StandingFaults,
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
    summary:
      'Readiness: database reachable, migrations applied, no standing fault (such as a vault key that does not open the stored secrets), not shutting down.',
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
      () => {
        // A fault that retrying cannot mend: this replica is up, but it cannot do its work.
        const indicator = this.indicators.check('faults');
        const standing = this.faults.all();
        return standing.length
          ? indicator.down({
              standing: standing.map(({ code, message, pauses }) => ({ code, message, pauses })),
            })
          : indicator.up();
      },
    ]);
  }
}
