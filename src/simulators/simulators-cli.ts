import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from '../config/load-config';
import { generateDemoDataSet } from './data/demo-data';
import { generateNationDataSet } from './data/nation-data';
import { simulatorOptions, writeDemoCredentials } from './demo';
import { DEFAULT_CREDENTIALS_FILE } from './demo-files';
import { startSimulators, type SimulatorName } from './simulators';

// `npm run simulators`: the four simulators on loopback until Ctrl-C. Flags override the
// `simulators` section of the configuration (docs/configuration.md).

const port = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535)
    throw new InvalidArgumentError('a port from 0 to 65535');
  return parsed;
};
const instant = (value: string): Date => {
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new InvalidArgumentError('an ISO 8601 instant');
  return parsed;
};

async function main(argv: string[]): Promise<number> {
  const program = new Command('simulators')
    .description(
      'Simulators of the provincial and national report systems and their identity providers',
    )
    .option('--provincial-reports-port <port>', 'provincial report system', port)
    .option('--provincial-sso-port <port>', 'provincial SSO (OIDC)', port)
    .option('--national-reports-port <port>', 'national report system', port)
    .option('--national-idp-port <port>', 'national identity provider (OIDC)', port)
    .option('--data-file <file>', 'serve this data set instead of the generated one')
    .option(
      '--as-of <instant>',
      'generate the data as of this instant (decides the current period)',
      instant,
    )
    .option('--nation', 'serve the nation-sized data set (34 provinces) instead of Quảng Ngãi')
    .option('--export-data <file>', 'write the data set to a file and exit')
    .option(
      '--credentials-file <file>',
      'where to write the demo accounts',
      DEFAULT_CREDENTIALS_FILE,
    )
    .exitOverride();
  const options = program.parse(argv, { from: 'user' }).opts<{
    provincialReportsPort?: number;
    provincialSsoPort?: number;
    nationalReportsPort?: number;
    nationalIdpPort?: number;
    dataFile?: string;
    asOf?: Date;
    nation?: boolean;
    exportData?: string;
    credentialsFile: string;
  }>();

  if (options.exportData) {
    const data = options.nation
      ? generateNationDataSet({ asOf: options.asOf })
      : generateDemoDataSet({ asOf: options.asOf });
    writeFileSync(options.exportData, JSON.stringify(data));
    process.stdout.write(
      `wrote ${data.reports.length} reports of ${data.units.length} units to ${options.exportData}\n`,
    );
    return 0;
  }

  const config = loadConfig();
  const base = simulatorOptions(config);
  const ports: Partial<Record<SimulatorName, number>> = { ...base.ports };
  if (options.provincialReportsPort !== undefined)
    ports.provincialReports = options.provincialReportsPort;
  if (options.provincialSsoPort !== undefined) ports.provincialSso = options.provincialSsoPort;
  if (options.nationalReportsPort !== undefined)
    ports.nationalReports = options.nationalReportsPort;
  if (options.nationalIdpPort !== undefined) ports.nationalIdp = options.nationalIdpPort;
  const simulators = await startSimulators({
    ...base,
    ports,
    asOf: options.asOf,
    dataFile: options.dataFile ? path.resolve(options.dataFile) : base.dataFile,
    data: options.nation ? generateNationDataSet({ asOf: options.asOf }) : undefined,
  });
  const file = writeDemoCredentials(simulators, path.resolve(options.credentialsFile));
  const { urls, data } = simulators;
  process.stdout.write(
    [
      `provincial report system  ${urls.provincialReports}`,
      `provincial SSO (OIDC)     ${urls.provincialSso}`,
      `national report system    ${urls.nationalReports}`,
      `national identity (OIDC)  ${urls.nationalIdp}`,
      `data: ${data.units.length} units, ${data.reports.length} reports, periods ${data.periods[0]?.periodId}…${data.periods.at(-1)?.periodId}, ${data.faults.length} planted faulty reports`,
      `demo accounts (secrets, passwords, signing keys): ${file}`,
      `admin: <simulator origin>/__admin/counters, /__admin/faults (docs/simulators.md)`,
      'Ctrl-C stops them.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await simulators.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    process.stderr.write(
      `${error instanceof ConfigError ? error.message : `error: ${(error as Error).message}`}\n`,
    );
    process.exit(error instanceof ConfigError ? 78 : 1);
  },
);
