import { GatewayNodeEntity } from './gateway-node.entity';

/** Every entity, listed as classes so the same options work from ts-jest and from dist. */
export const entities = [GatewayNodeEntity];
