export type { UnitRecord } from '../contracts/provincial-wire';
