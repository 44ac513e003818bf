import { Inject } from '@nestjs/common';
import type { ConfigValues } from './config.schema';

export type GatewayMode = 'demo' | 'production';

/** The one typed configuration object. Nothing else in src/ reads process.env. */
export type AppConfig = ConfigValues & {
  readonly mode: GatewayMode;
  /** Files that were read, in order; later ones override earlier ones, the environment overrides all. */
  readonly sources: readonly string[];
};

export const APP_CONFIG = Symbol('AppConfig');

export const InjectConfig = (): ParameterDecorator => Inject(APP_CONFIG);
