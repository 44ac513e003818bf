import { Module } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { AuditModule } from '../audit/audit.module';
import { AuditService } from '../audit/audit.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { StandingFaults } from '../common/standing-faults.service';
import { GatewayNodeService } from '../database/gateway-node.service';
import { VaultModule } from '../vault/vault.module';
import { VaultService } from '../vault/vault.service';
import { engineWhenConfigured, type TransferEngine } from './transfer-engine';
import { TransferJobs } from './transfer-jobs';
import { TransferQueue } from './transfer-queue';
import { TransfersController } from './transfers.controller';
import { TransfersService } from './transfers.service';
import { BoardQuery } from './board-query';
import { Deadlines } from '../catalog/deadlines';
import { FormCatalogue } from '../catalog/forms';

/** The engine of this replica, built on first use by the one builder (transfer-engine.ts). */
export const TRANSFER_ENGINE = Symbol('TransferEngine');

type EngineRef = () => TransferEngine;

@Module({
  imports: [AuditModule, VaultModule],
  controllers: [TransfersController],
  providers: [
    {
      provide: TRANSFER_ENGINE,
      inject: [APP_CONFIG, DataSource, AuditService, VaultService, GatewayNodeService],
      useFactory: (
        config: AppConfig,
        dataSource: DataSource,
        audit: AuditService,
        vault: VaultService,
        node: GatewayNodeService,
      ): EngineRef =>
        engineWhenConfigured({
          config,
          dataSource,
          audit: audit.log,
          vault: vault.vault,
          node: node.id,
        }),
    },
    {
      provide: TransferQueue,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) =>
        new TransferQueue((dataSource.options as { url: string }).url),
    },
    {
      provide: TransfersService,
      inject: [APP_CONFIG, DataSource, AuditService, TransferQueue, TRANSFER_ENGINE],
      useFactory: (
        config: AppConfig,
        dataSource: DataSource,
        audit: AuditService,
        queue: TransferQueue,
        engine: EngineRef,
      ) => new TransfersService({ config, dataSource, audit, queue, engine }),
    },
    {
      provide: BoardQuery,
      inject: [DataSource, APP_CONFIG],
      useFactory: (dataSource: DataSource, config: AppConfig) =>
        new BoardQuery(
          dataSource,
          FormCatalogue.load(),
          Deadlines.load(),
          config.console.atRiskDays,
        ),
    },
    {
      provide: TransferJobs,
      inject: [
        TransferQueue,
        TransfersService,
        TRANSFER_ENGINE,
        SchedulerRegistry,
        APP_CONFIG,
        StandingFaults,
      ],
      useFactory: (
        queue: TransferQueue,
        transfers: TransfersService,
        engine: EngineRef,
        schedules: SchedulerRegistry,
        config: AppConfig,
        faults: StandingFaults,
      ) => new TransferJobs(queue, transfers, engine, schedules, config, faults),
    },
  ],
  exports: [TransfersService, TRANSFER_ENGINE, TransferQueue, BoardQuery],
})
export class TransfersModule {}
