import os from 'node:os';
import { GatewayError } from '../common/gateway-error';
import type { AppConfig } from '../config/app-config';
import { loadConfig } from '../config/load-config';

// What every verb prints and who it acts as: light, so that loading it costs a verb nothing.

export const print = (text: string): void => void process.stdout.write(`${text}\n`);
export const note = (text: string): void => void process.stderr.write(`${text}\n`);

/** A refusal of the CLI's own (a bad option): printed with its code, exit 2. */
export class CliError extends GatewayError {
  constructor(code: string, message: string, parameter?: string) {
    super('invalid', code, message, parameter);
  }
}

let loaded: AppConfig | undefined;

/** The configuration, read and checked once for the verb whatever asks for it. */
export function verbConfig(): AppConfig {
  return (loaded ??= loadConfig());
}

/** Who the CLI acts as in the audit trail: the operating-system user at this host. */
export const cliActor = (): string => `cli:${os.userInfo().username}@${os.hostname()}`;

export const cliList = (value?: string): string[] | undefined =>
  value
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : undefined;
