import { GatewayError } from '../common/gateway-error';

/** An operator's request about transfers, syncs or discrepancies that the gateway refuses. */
export class TransferError extends GatewayError {}
