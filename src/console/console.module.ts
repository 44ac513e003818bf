import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AuditModule } from '../audit/audit.module';
import { TransfersModule } from '../transfers/transfers.module';
import { VaultModule } from '../vault/vault.module';
import { WorkbooksModule } from '../workbooks/workbooks.module';
import { AssetsController } from './assets.controller';
import { BoardController } from './board.controller';
import { ConsoleAuthController } from './console-auth.controller';
import { ConsoleGuard } from './console-http';
import { ConsoleSessions } from './console-sessions';
import { TransferPagesController } from './transfer-pages.controller';
import { ActionPagesController } from './action-pages.controller';
import { AuditPagesController } from './audit-pages.controller';
import { AdminPagesController } from './admin-pages.controller';
import { WorkbookPagesController } from './workbook-pages.controller';

/** The console at /: pages rendered on the server over the same services as the API. */
@Module({
  imports: [AccessModule, AuditModule, VaultModule, TransfersModule, WorkbooksModule],
  controllers: [
    AssetsController,
    ConsoleAuthController,
    BoardController,
    TransferPagesController,
    ActionPagesController,
    AuditPagesController,
    AdminPagesController,
    WorkbookPagesController,
  ],
  providers: [ConsoleSessions, ConsoleGuard],
})
export class ConsoleModule {}
