export { NationalClient } from '../national/national.client';
