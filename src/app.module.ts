import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AccessModule } from './access/access.module';
import { AuditModule } from './audit/audit.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { CommonModule } from './common/common.module';
import { ConsoleModule } from './console/console.module';
import { OperationsModule } from './operations/operations.module';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { loggerParams } from './logging/logger-options';
import { TransfersModule } from './transfers/transfers.module';
import { WorkbooksModule } from './workbooks/workbooks.module';
import { VaultModule } from './vault/vault.module';
import { ScheduleModule } from '@nestjs/schedule';

export interface AppModuleOptions {
  config: AppConfig;
  databaseUrl: string;
  /** Tests read log lines from here instead of stdout. */
  logDestination?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(options.config),
        LoggerModule.forRoot(loggerParams(options.config, options.logDestination)),
        CommonModule,
        DatabaseModule.forRoot(options.databaseUrl, options.config.database.poolSize),
        AccessModule,
        HealthModule,
        AuditModule,
        VaultModule,
        ScheduleModule.forRoot(),
        TransfersModule,
        WorkbooksModule,
        OperationsModule.forRoot(options.config),
        ...(options.config.console.enabled ? [ConsoleModule] : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
