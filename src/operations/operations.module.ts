import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import type { AppConfig } from '../config/app-config';
import { TransfersModule } from '../transfers/transfers.module';
import { VaultModule } from '../vault/vault.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { NotificationsService } from './notifications.service';

/** Running it like a service: /metrics and notifications. Reads; never changes a transfer. */
@Module({})
export class OperationsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: OperationsModule,
      imports: [AuditModule, VaultModule, TransfersModule],
      controllers:
        config.metrics.enabled && config.metrics.port === null ? [MetricsController] : [],
      providers: [NotificationsService, ...(config.metrics.enabled ? [MetricsService] : [])],
      exports: [NotificationsService, ...(config.metrics.enabled ? [MetricsService] : [])],
    };
  }
}
