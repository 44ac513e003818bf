import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditModule } from '../audit/audit.module';
import { AuditService } from '../audit/audit.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { BoardQuery } from '../transfers/board-query';
import { TransfersModule } from '../transfers/transfers.module';
import { TransfersService } from '../transfers/transfers.service';
import { WorkbooksController } from './workbooks.controller';
import { WorkbooksService } from './workbooks.service';

@Module({
  imports: [AuditModule, TransfersModule],
  controllers: [WorkbooksController],
  providers: [
    {
      provide: WorkbooksService,
      inject: [DataSource, AuditService, TransfersService, BoardQuery, APP_CONFIG],
      useFactory: (
        dataSource: DataSource,
        audit: AuditService,
        transfers: TransfersService,
        board: BoardQuery,
        config: AppConfig,
      ) => new WorkbooksService({ dataSource, audit, transfers, board, config }),
    },
  ],
  exports: [WorkbooksService],
})
export class WorkbooksModule {}
