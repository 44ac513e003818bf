import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CredentialsController } from './credentials.controller';
import { VaultService } from './vault.service';

@Module({
  imports: [AuditModule],
  controllers: [CredentialsController],
  providers: [VaultService],
  exports: [VaultService],
})
export class VaultModule {}
