import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { VaultModule } from '../vault/vault.module';
import { TransfersController } from './transfers.controller';
import { TransfersService } from './transfers.service';

@Module({
  imports: [AuditModule, VaultModule],
  controllers: [TransfersController],
  providers: [TransfersService],
  exports: [TransfersService],
})
export class TransfersModule {}
