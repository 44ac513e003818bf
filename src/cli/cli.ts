import { Command, CommanderError } from 'commander';
import { GatewayError } from '../common/gateway-error';
import { ConfigError, loadConfig } from '../config/load-config';
import { addAuditCommands } from './audit-commands';
import { note } from './cli-context';
import { addConfigCommands } from './config-commands';
import { addCredentialCommands } from './credential-commands';
import { addDatabaseCommands } from './db-commands';
import { addTransferCommands } from './transfer-commands';

// The command line: one file per group of verbs, each verb a thin call into a service. It runs
// from the build (bin/cli.js); the demo-only verbs are loaded in demo mode only.

// sysexits.h EX_CONFIG, as the gateway's own start uses.
const EXIT_CONFIG = 78;

export async function buildCli(): Promise<Command> {
  const program = new Command('baocao-gateway')
    .description('Dòng lệnh của baocao-gateway: npm run cli -- <lệnh>')
    .exitOverride()
    .showHelpAfterError()
    .helpOption('-h, --help', 'xem hướng dẫn')
    .addHelpCommand('help [command]', 'xem hướng dẫn của một lệnh');
  addConfigCommands(program);
  addDatabaseCommands(program);
  addAuditCommands(program);
  addCredentialCommands(program);
  addTransferCommands(program);
  if (demoMode()) {
    const { addDemoCommands } = await import('../simulators/demo-cli');
    addDemoCommands(program);
  }
  return program;
}

/** Whether the configuration (if it loads) is demo mode; a bad one is reported by the verb. */
function demoMode(): boolean {
  try {
    return loadConfig().mode === 'demo';
  } catch {
    return false;
  }
}

/**
 * Runs one verb. A refusal prints its stable code and Vietnamese message on stderr: exit 3 for a
 * conflict (nothing to do, or not now), 2 for a bad request, 78 for a bad configuration, 1 else.
 */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await (await buildCli()).parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ConfigError) {
      note(`[CONFIG_INVALID] ${error.message}`);
      return EXIT_CONFIG;
    }
    if (error instanceof GatewayError) {
      note(`[${error.code}] ${error.parameter ? `${error.parameter}: ` : ''}${error.message}`);
      return error.kind === 'conflict' ? 3 : error.kind === 'invalid' ? 2 : 1;
    }
    const code = (error as { code?: unknown }).code;
    note(
      `${typeof code === 'string' && /^[A-Z_]+$/.test(code) ? `[${code}]` : '[ERROR]'} lỗi: ${(error as Error).message}`,
    );
    return 1;
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
