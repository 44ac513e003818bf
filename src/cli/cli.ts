import { Command, CommanderError } from 'commander';
import { GatewayError } from '../common/gateway-error';
import { ConfigError } from '../config/load-config';
import { CliError, note, verbConfig } from './cli-output';

// The command line: one file per group of verbs, each verb a thin call into a service. It runs
// from the build (bin/cli.js). A verb loads only its own group (and that group only what the verb
// uses): help lists them all. The demo-only verbs are loaded in demo mode only.

type Group = (program: Command) => void;

/** Each group of verbs, by the first words that call it. */
const GROUPS: Array<{ verbs: string[]; load: () => Promise<Group> }> = [
  {
    verbs: ['config', 'openapi'],
    load: async () => (await import('./config-commands')).addConfigCommands,
  },
  { verbs: ['db'], load: async () => (await import('./db-commands')).addDatabaseCommands },
  { verbs: ['audit'], load: async () => (await import('./audit-commands')).addAuditCommands },
  {
    verbs: ['credentials', 'vault'],
    load: async () => (await import('./credential-commands')).addCredentialCommands,
  },
  {
    verbs: ['sync', 'reconcile', 'transfers', 'discrepancies'],
    load: async () => (await import('./transfer-commands')).addTransferCommands,
  },
  {
    verbs: ['workbook'],
    load: async () => (await import('./workbook-commands')).addWorkbookCommands,
  },
];

// sysexits.h EX_CONFIG, as the gateway's own start uses.
const EXIT_CONFIG = 78;

/** The CLI with the groups a verb needs: the one its first word names, or all of them. */
export async function buildCli(argv: string[] = []): Promise<Command> {
  const program = new Command('baocao-gateway')
    .description('Dòng lệnh của baocao-gateway: npm run cli -- <lệnh>')
    .exitOverride()
    .showHelpAfterError()
    .helpOption('-h, --help', 'xem hướng dẫn')
    .addHelpCommand('help [command]', 'xem hướng dẫn của một lệnh');
  const verb = argv.find((word) => !word.startsWith('-'));
  const named = GROUPS.filter((group) => verb !== undefined && group.verbs.includes(verb));
  const demoVerb = verb === 'token';
  for (const group of demoVerb ? [] : named.length ? named : GROUPS) (await group.load())(program);
  if (demoVerb && !demoMode())
    throw new CliError(
      'DEMO_ONLY',
      'token chỉ dùng ở chế độ demo: SSO thật có trang đăng nhập riêng',
    );
  if ((demoVerb || !named.length) && demoMode()) {
    const { addDemoCommands } = await import('../simulators/demo-cli');
    addDemoCommands(program);
  }
  return program;
}

/** Whether the configuration (if it loads) is demo mode; a bad one is reported by the verb. */
function demoMode(): boolean {
  try {
    return verbConfig().mode === 'demo';
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
    await (await buildCli(argv)).parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ConfigError) {
      note(`[${error.code}] ${error.message}`);
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
