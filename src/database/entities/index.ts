import { AuditArchiveEntity } from './audit-archive.entity';
import { AuditCheckpointEntity } from './audit-checkpoint.entity';
import { AuditEventEntity } from './audit-event.entity';
import { AuditPendingEntity } from './audit-pending.entity';
import { DiscrepancyEntity } from './discrepancy.entity';
import { ExtractionCursorEntity } from './extraction-cursor.entity';
import { TransferAttemptEntity } from './transfer-attempt.entity';
import { TransferVersionEntity } from './transfer-version.entity';
import { TransferEntity } from './transfer.entity';
import { CredentialEntity } from './credential.entity';
import { SignInRequestEntity } from './sign-in-request.entity';
import { GatewayNodeEntity } from './gateway-node.entity';
import { ConsoleSessionEntity } from './console-session.entity';
import { ConsoleSignInEntity } from './console-sign-in.entity';
import { ProvincialUnitEntity } from './provincial-unit.entity';
import { ReportIntakeEntity } from './report-intake.entity';
import { NotificationStateEntity } from './notification-state.entity';

/** Every entity, listed as classes so the same options work from ts-jest and from dist. */
export const entities = [
  GatewayNodeEntity,
  AuditEventEntity,
  AuditPendingEntity,
  AuditCheckpointEntity,
  AuditArchiveEntity,
  CredentialEntity,
  SignInRequestEntity,
  TransferEntity,
  TransferAttemptEntity,
  TransferVersionEntity,
  ExtractionCursorEntity,
  DiscrepancyEntity,
  ProvincialUnitEntity,
  ReportIntakeEntity,
  ConsoleSessionEntity,
  ConsoleSignInEntity,
  NotificationStateEntity,
];
