import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CredentialsController } from './credentials.controller';
import { ProvincialSignInController } from './provincial-sign-in.controller';
import { ProvincialSignInService } from './provincial-sign-in.service';
import { VaultService } from './vault.service';

@Module({
  imports: [AuditModule],
  controllers: [CredentialsController, ProvincialSignInController],
  providers: [VaultService, ProvincialSignInService],
  exports: [VaultService, ProvincialSignInService],
})
export class VaultModule {}
