import { AuditArchiveEntity } from '../audit/audit-archive.entity';
import { AuditCheckpointEntity } from '../audit/audit-checkpoint.entity';
import { AuditEventEntity } from '../audit/audit-event.entity';
import { AuditPendingEntity } from '../audit/audit-pending.entity';
import { DiscrepancyEntity } from '../transfers/discrepancy.entity';
import { ExtractionCursorEntity } from '../transfers/extraction-cursor.entity';
import { TransferAttemptEntity } from '../transfers/transfer-attempt.entity';
import { TransferVersionEntity } from '../transfers/transfer-version.entity';
import { TransferEntity } from '../transfers/transfer.entity';
import { CredentialEntity } from '../vault/credential.entity';
import { SignInRequestEntity } from '../vault/sign-in-request.entity';
import { GatewayNodeEntity } from './gateway-node.entity';

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
];
