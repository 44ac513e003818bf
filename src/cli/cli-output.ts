import os from 'node:os';
import { GatewayError } from '../common/gateway-error';
import type { AppConfig } from '../config/app-config';
import { loadConfig } from '../config/load-config';

// What every verb prints, who it acts as and its configuration: nothing here opens a database or
// loads a client.

export const print = (text: string): void => void process.stdout.write(`${text}\n`);
export const note = (text: string): void => void process.stderr.write(`${text}\n`);

/** A refusal of the CLI's own: a bad option (exit 2), or what keeps the verb from running. */
export class CliError extends GatewayError {
  constructor(
    code: string,
    message: string,
    parameter?: string,
    kind: 'invalid' | 'unavailable' = 'invalid',
  ) {
    super(kind, code, message, parameter);
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
