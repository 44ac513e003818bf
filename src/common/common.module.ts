import { Global, Module } from '@nestjs/common';
import { LifecycleService } from './lifecycle.service';
import { StandingFaults } from './standing-faults.service';

@Global()
@Module({
  providers: [LifecycleService, StandingFaults],
  exports: [LifecycleService, StandingFaults],
})
export class CommonModule {}
