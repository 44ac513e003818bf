import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { DataSource } from 'typeorm';
import { archiveAudit } from '../audit/audit-archive';
import { exportAudit, type ExportFormat } from '../audit/audit-export';
import { AuditLog } from '../audit/audit-log';
import { AuditFilterError, parseAuditFilters, type AuditFilters } from '../audit/audit-query';
import { AuditSigner } from '../audit/audit-signer';
import { verifyAuditChain } from '../audit/audit-verifier';
import { createGateway, openApiDocument } from '../bootstrap';
import type { AppConfig } from '../config/app-config';
import { ConfigError, describeConfig, loadConfig } from '../config/load-config';
import { projectRoot } from '../config/project-root';
import { dataSourceOptions } from '../database/data-source-options';
import { EmbeddedPostgres } from '../database/embedded-postgres';
import { GatewayNodeEntity } from '../database/entities/gateway-node.entity';
import { findLiveNodes } from '../database/gateway-node.service';
import { generateMigration } from '../database/migration-generator';
import { pendingMigrations, runMigrationsLocked, schemaDrift } from '../database/migrations';
import { openDatabase } from '../database/open-database';
import { DEFAULT_CREDENTIALS_FILE, pointAtRunningDemo } from '../simulators/demo';
import type { INestApplication } from '@nestjs/common';
import { parseTransferFilters, TransferQueryError } from '../transfers/transfer-query';
import { TransferRequestError, TransfersService } from '../transfers/transfers.service';
import { signIn } from '../simulators/demo-sign-in';
import { NationalClient } from '../national/national.client';
import { CredentialVault, type CredentialView } from '../vault/credential-vault';
import type { CredentialKind, CredentialSystem } from '../database/entities/credential.entity';
import { fromPem, fromPkcs12 } from '../vault/signing-material';
import { VaultKey } from '../vault/vault-key';
import { VaultNationalAccounts } from '../vault/vault-national-accounts';
import { testNationalLogin } from '../vault/vault.service';

// Command-line verbs over the same services the API uses. Each verb is thin: load config, open
// the database, call one function, print, exit non-zero on failure.

const print = (text: string): void => void process.stdout.write(`${text}\n`);
const note = (text: string): void => void process.stderr.write(`${text}\n`);

async function withDataSource<T>(
  config: AppConfig,
  work: (dataSource: DataSource) => Promise<T>,
): Promise<T> {
  const database = await openDatabase(config, note);
  const dataSource = new DataSource(dataSourceOptions(database.url, 2));
  try {
    await dataSource.initialize();
    return await work(dataSource);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.close();
  }
}

/** The audit log as the gateway keeps it, for the verbs that write to it. */
function auditLog(dataSource: DataSource, config: AppConfig): AuditLog {
  return new AuditLog(dataSource, AuditSigner.fromConfig(config), {
    checkpointEvery: config.audit.checkpointEvery,
  });
}

export function buildCli(): Command {
  const program = new Command('baocao-gateway')
    .description('baocao-gateway command line: npm run cli -- <command>')
    .exitOverride()
    .showHelpAfterError();

  program
    .command('config')
    .description('validate the configuration and print it with secrets redacted')
    .action(() => {
      const config = loadConfig();
      print(JSON.stringify({ mode: config.mode, ...describeConfig(config) }, null, 2));
    });

  const db = program.command('db').description('database: migrations and schema checks');
  db.command('migrate')
    .description('apply pending migrations (under the same advisory lock as start-up)')
    .action(async () => {
      await withDataSource(loadConfig(), async (dataSource) => {
        const outcome = await runMigrationsLocked(dataSource);
        print(
          outcome.applied.length
            ? `applied: ${outcome.applied.join(', ')}`
            : 'no pending migrations',
        );
      });
    });
  db.command('status')
    .description('pending migrations, entity/migration drift and the replicas that are running')
    .action(async () => {
      const healthy = await withDataSource(loadConfig(), async (dataSource) => {
        const pending = await pendingMigrations(dataSource);
        const drift = pending.length === 0 ? await schemaDrift(dataSource) : [];
        const nodes =
          pending.length === 0
            ? await findLiveNodes(dataSource.getRepository(GatewayNodeEntity))
            : [];
        print(`pending migrations: ${pending.length ? pending.join(', ') : 'none'}`);
        print(
          `entities differ from migrations: ${drift.length ? `yes\n  ${drift.join('\n  ')}` : 'no'}`,
        );
        print(`running replicas: ${nodes.length}`);
        for (const node of nodes)
          print(
            `  ${node.id} ${node.hostname} pid ${node.pid} since ${node.startedAt.toISOString()}`,
          );
        return pending.length === 0 && drift.length === 0;
      });
      if (!healthy) process.exitCode = 1;
    });
  db.command('generate')
    .argument('<name>', 'PascalCase name, e.g. AddAuditEvents')
    .description('write a migration for the difference between the entities and the migrations')
    .action(async (name: string) => {
      const scratch = await mkdtemp(path.join(os.tmpdir(), 'baocao-migration-'));
      const server = await EmbeddedPostgres.start({
        dataDir: scratch,
        ephemeral: true,
        database: 'scratch',
      });
      try {
        const file = await generateMigration(server.url, name);
        print(
          file
            ? `wrote ${path.relative(projectRoot, file)}`
            : 'entities and migrations agree: nothing to generate',
        );
      } finally {
        await server.stop();
        await rm(scratch, { recursive: true, force: true });
      }
    });

  const audit = program.command('audit').description('the audit trail: verify, checkpoint, export');
  audit
    .command('verify')
    .description(
      'recompute the hash chain and check the signed checkpoints; exit 1 at the first broken link',
    )
    .option('--from-checkpoint', 'start at the latest signed checkpoint instead of the first event')
    .option('--key <file>', 'the public key to trust (PEM); default: the configured signing key')
    .action(async (options: { fromCheckpoint?: boolean; key?: string }) => {
      const config = loadConfig();
      const trusted = options.key
        ? readFileSync(options.key, 'utf8')
        : AuditSigner.fromConfig(config).publicKeyPem;
      const result = await withDataSource(config, (dataSource) =>
        verifyAuditChain(dataSource, {
          trustedKeys: [trusted],
          fromCheckpoint: options.fromCheckpoint,
        }),
      );
      if (result.ok) {
        print(
          `OK: ${result.events} events verified from event ${Number(result.from) + 1}, ${result.checkpointsChecked} checkpoints matched; head ${result.head ? `${result.head.seq} ${result.head.hash}` : '(empty)'}`,
        );
      } else {
        print(`BROKEN at event ${result.seq}: ${result.reason}`);
        process.exitCode = 1;
      }
    });
  audit
    .command('checkpoint')
    .description('chain what is pending and sign the head now')
    .action(async () => {
      const config = loadConfig();
      const head = await withDataSource(config, (dataSource) =>
        auditLog(dataSource, config).checkpoint(),
      );
      print(
        head ? `signed checkpoint at event ${head.seq}: ${head.hash}` : 'the audit log is empty',
      );
    });
  audit
    .command('archive')
    .description(
      'retention: move events older than the retention period to a file, then out of the database',
    )
    .option('--older-than-days <days>', 'override audit.retentionDays')
    .action(async (options: { olderThanDays?: string }) => {
      const config = loadConfig();
      const days =
        options.olderThanDays !== undefined
          ? Number(options.olderThanDays)
          : config.audit.retentionDays;
      if (days === null || !Number.isInteger(days) || days < 0)
        throw new InvalidArgumentError(
          'set audit.retentionDays or pass --older-than-days <whole days>',
        );
      const outcome = await withDataSource(config, (dataSource) =>
        archiveAudit(dataSource, auditLog(dataSource, config), {
          before: new Date(Date.now() - days * 86_400_000),
          directory: path.resolve(projectRoot, config.audit.archiveDir),
          actor: `cli:${os.userInfo().username}`,
        }),
      );
      print(
        outcome
          ? `archived events ${outcome.fromSeq}–${outcome.toSeq} (${outcome.events}) to ${outcome.file}, sha256 ${outcome.fileSha256}`
          : 'nothing to archive',
      );
    });
  audit
    .command('public-key')
    .description('print the public key auditors keep to verify checkpoints and exports')
    .action(() => print(AuditSigner.fromConfig(loadConfig()).publicKeyPem.trim()));
  audit
    .command('export')
    .description(
      'stream events to a file (JSON Lines or CSV), with the checkpoint they verify against',
    )
    .requiredOption('--out <file>', 'where to write')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option('--since <instant>', 'events at or after')
    .option('--until <instant>', 'events before')
    .option('--unit <code>')
    .option('--period <id>')
    .option('--form <code>')
    .option('--actor <actor>')
    .option('--action <action>')
    .option('--outcome <outcome>')
    .action(async (options: Record<string, string | undefined>) => {
      if (options.format !== 'jsonl' && options.format !== 'csv')
        throw new InvalidArgumentError('--format must be jsonl or csv');
      let filters: AuditFilters;
      try {
        filters = parseAuditFilters(options);
      } catch (error) {
        if (!(error instanceof AuditFilterError)) throw error;
        throw new InvalidArgumentError(`--${error.parameter}: ${error.message}`);
      }
      const config = loadConfig();
      const output = createWriteStream(options.out!);
      const result = await withDataSource(config, (dataSource) =>
        exportAudit(dataSource, auditLog(dataSource, config), {
          format: options.format as ExportFormat,
          filters,
          output,
          actor: `cli:${os.userInfo().username}`,
        }),
      );
      await new Promise<void>((resolve, reject) =>
        output.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
      print(
        `wrote ${result.events} events to ${options.out}, verifiable against checkpoint ${result.checkpoint?.seq ?? '(none)'}`,
      );
    });

  program
    .command('token')
    .description(
      'demo mode: sign a demo person in at the simulated SSO and print an access token for the gateway API',
    )
    .requiredOption('--role <role>', 'operator, auditor or admin')
    .action(async (options: { role: string }) => {
      const config = loadConfig();
      if (config.mode !== 'demo')
        throw new InvalidArgumentError(
          'token works in demo mode only: a real SSO has its own sign-in',
        );
      if (!['operator', 'auditor', 'admin'].includes(options.role))
        throw new InvalidArgumentError('--role must be operator, auditor or admin');
      if (!existsSync(DEFAULT_CREDENTIALS_FILE))
        throw new InvalidArgumentError(
          'no demo accounts yet: start the gateway in demo mode first (npm start)',
        );
      const demo = JSON.parse(readFileSync(DEFAULT_CREDENTIALS_FILE, 'utf8')) as {
        urls: { provincialSso: string; gatewayApiResource: string };
        consoleClient: { clientId: string; clientSecret: string; redirectUris: string[] };
        people: Array<{ username: string; password: string; role: string }>;
      };
      const person = demo.people.find((candidate) => candidate.role === options.role)!;
      const tokens = await signIn(
        demo.urls.provincialSso,
        {
          id: demo.consoleClient.clientId,
          secret: demo.consoleClient.clientSecret,
          redirectUri: demo.consoleClient.redirectUris[0],
        },
        person,
        demo.urls.gatewayApiResource,
      ).catch((error: unknown) => {
        throw new Error(
          `cannot sign in at ${demo.urls.provincialSso}: is the gateway running in demo mode (npm start)? ${(error as Error).message}`,
        );
      });
      note(`${person.username} (${options.role}), valid ${tokens.expires_in} s`);
      print(tokens.access_token);
    });

  program
    .command('openapi')
    .description('write the API description to docs/openapi.json (or --out)')
    .option('--out <file>', 'where to write', path.join(projectRoot, 'docs', 'openapi.json'))
    .action(async (options: { out: string }) => {
      const config = loadConfig();
      const database = await openDatabase(config, note);
      const app = await createGateway({
        config: quietConfig(config),
        databaseUrl: database.url,
      });
      try {
        await app.init();
        await writeFile(options.out, `${JSON.stringify(openApiDocument(app), null, 2)}\n`);
        print(`wrote ${options.out}`);
      } finally {
        await app.close();
        await database.close();
      }
    });

  addCredentialCommands(program);
  addTransferCommands(program);
  return program;
}

/** The gateway as the CLI runs it: quiet, and neither working the queues nor ticking. */
function quietConfig(config: AppConfig): AppConfig {
  return {
    ...config,
    log: { ...config.log, level: 'warn' },
    transfers: { ...config.transfers, workers: false, scheduleEnabled: false },
  };
}

/**
 * Runs work against the gateway's services in this process (the running replicas work the jobs
 * it enqueues). In demo mode it reaches the simulators of the running demo gateway.
 */
async function withGateway<T>(work: (app: INestApplication) => Promise<T>): Promise<T> {
  let config = loadConfig();
  if (config.mode === 'demo') {
    const running = pointAtRunningDemo(config);
    if (!running)
      throw new InvalidArgumentError(
        'demo mode: start the gateway first (npm start), so the simulators are up',
      );
    config = running;
  }
  const database = await openDatabase(config, note);
  const app = await createGateway({ config: quietConfig(config), databaseUrl: database.url });
  try {
    await app.init();
    return await work(app);
  } finally {
    await app.close();
    await database.close();
  }
}

const cliList = (value?: string): string[] | undefined =>
  value
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : undefined;

async function transferCall<T>(work: (service: TransfersService) => Promise<T>): Promise<T> {
  try {
    return await withGateway((app) => work(app.get(TransfersService)));
  } catch (error) {
    if (error instanceof TransferRequestError || error instanceof TransferQueryError) {
      note(`${error.parameter ? `${error.parameter}: ` : ''}${error.message}`);
      process.exitCode = error instanceof TransferRequestError && error.status === 409 ? 3 : 2;
      return undefined as T;
    }
    throw error;
  }
}

function addTransferCommands(program: Command): void {
  program
    .command('sync')
    .description('extract, map and validate a period into transfers; the gateway pushes them')
    .requiredOption('--period <id>', 'the period, e.g. 2026-Q4')
    .option('--units <codes>', 'only these units, comma-separated')
    .option('--forms <codes>', 'only these forms, comma-separated')
    .option(
      '--dry-run',
      'show each payload and its difference from the national copy; send nothing',
    )
    .option('--reason <text>', 'why, for the audit trail')
    .action(
      async (options: {
        period: string;
        units?: string;
        forms?: string;
        dryRun?: boolean;
        reason?: string;
      }) => {
        const result = await transferCall((service) =>
          service.startSync(
            {
              periodId: options.period,
              units: cliList(options.units),
              forms: cliList(options.forms),
              dryRun: Boolean(options.dryRun),
              reason: options.reason,
            },
            cliActor(),
          ),
        );
        if (!result) return;
        if (result.dryRunItems) {
          for (const item of result.dryRunItems)
            print(
              `${item.action.padEnd(8)} ${item.unitCode.padEnd(20)} ${item.formCode.padEnd(22)} ${item.valid ? 'valid' : `invalid: ${item.problems.map((problem) => problem.code).join(', ')}`}${item.national ? `  national ${item.national.submissionId} ${item.national.status}` : ''}`,
            );
          note(
            `dry run: ${result.dryRunItems.length} forms from ${result.reports} reports; nothing sent`,
          );
        } else {
          note(
            `${result.reports} reports: ${result.created} new transfers, ${result.newVersions} corrections, ${result.unchanged} unchanged, ${result.invalid} invalid, ${result.skipped.length} skipped; pushes are queued for the running gateway`,
          );
        }
      },
    );

  const transfers = program.command('transfers').description('see, re-run and cancel transfers');
  transfers
    .command('list')
    .description('transfers, filtered, one page at a time (pass --after the last id shown)')
    .option('--status <states>', 'e.g. failed,unknown')
    .option('--period <id>')
    .option('--unit <codes>')
    .option('--form <code>')
    .option('--level <level>')
    .option('--after <id>')
    .option('--limit <n>', 'page size', '100')
    .action(async (options: Record<string, string | undefined>) => {
      const page = await transferCall(async (service) =>
        service.list(
          parseTransferFilters(options),
          options.after,
          Math.min(1000, Math.max(1, Number(options.limit ?? 100) || 100)),
        ),
      );
      if (!page) return;
      for (const item of page.items)
        print(
          `${item.id}  ${item.periodId}  ${item.unitCode.padEnd(20)} ${item.formCode.padEnd(22)} ${item.state.padEnd(9)} v${item.version}${typeof item.lastError?.message === 'string' ? `  ${item.lastError.message}` : ''}`,
        );
      note(
        page.nextAfter ? `more: --after ${page.nextAfter}` : `${page.items.length} shown, no more`,
      );
    });
  transfers
    .command('show <id>')
    .description('one transfer with its versions and attempts, as JSON')
    .action(async (id: string) => {
      const shown = await transferCall((service) => service.show(id));
      if (shown) print(JSON.stringify(shown, null, 2));
    });
  transfers
    .command('rerun [id]')
    .description('re-run one transfer, or a filtered batch (in original order per unit)')
    .requiredOption('--reason <text>', 'why, for the audit trail')
    .option('--status <states>')
    .option('--period <id>')
    .option('--unit <codes>')
    .option('--form <code>')
    .option('--level <level>')
    .action(async (id: string | undefined, options: Record<string, string | undefined>) => {
      if (id) {
        const done = await transferCall((service) => service.rerun(id, cliActor(), options.reason));
        if (done) print(`${done.id} ${done.state}`);
        return;
      }
      const { reason, ...filters } = options;
      const batch = await transferCall((service) =>
        service.rerunBatch(parseTransferFilters(filters), cliActor(), reason),
      );
      if (!batch) return;
      for (const result of batch.results)
        print(`${result.id} ${result.refused ? `refused: ${result.refused}` : result.state}`);
      note(`${batch.count} transfers`);
    });
  transfers
    .command('cancel <id>')
    .description('cancel a transfer that is not confirmed')
    .requiredOption('--reason <text>', 'why, for the audit trail')
    .action(async (id: string, options: { reason: string }) => {
      const done = await transferCall((service) => service.cancel(id, cliActor(), options.reason));
      if (done) print(`${done.id} ${done.state}`);
    });
}

/** Who the CLI acts as in the audit trail: the operating-system user at this host. */
const cliActor = (): string => `cli:${os.userInfo().username}@${os.hostname()}`;

/** A secret from a variable or a file, never from the command line (it would show in `ps`). */
function secretFrom(options: { secretEnv?: string; secretFile?: string }): string {
  if (options.secretEnv) {
    const value = process.env[options.secretEnv];
    if (!value)
      throw new InvalidArgumentError(`--secret-env ${options.secretEnv}: the variable is empty`);
    return value;
  }
  if (options.secretFile) return readFileSync(options.secretFile, 'utf8').trim();
  throw new InvalidArgumentError('give the secret with --secret-env VAR or --secret-file FILE');
}

async function withVault<T>(
  work: (vault: CredentialVault, config: AppConfig) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  return withDataSource(config, async (dataSource) => {
    const log = auditLog(dataSource, config);
    const vault = new CredentialVault(dataSource, VaultKey.fromConfig(config), (event, manager) =>
      log.record(event, manager),
    );
    try {
      return await work(vault, config);
    } finally {
      await log.flush();
    }
  });
}

const showCredential = (credential: CredentialView): string =>
  [
    credential.id,
    credential.system,
    credential.kind,
    credential.account,
    credential.unitCode ?? '-',
    credential.rights.join(',') || '-',
    credential.status,
    `v${credential.version}`,
    credential.lastCheck ? `last check: ${credential.lastCheck}` : '',
  ]
    .join('  ')
    .trim();

function addCredentialCommands(program: Command): void {
  const credentials = program
    .command('credentials')
    .description('the credential vault: accounts and signing keys of the remote systems');
  credentials
    .command('list')
    .description('stored credentials, without their secrets')
    .option('--system <system>', 'provincial or national')
    .option('--kind <kind>', 'client-secret, refresh-token or signing-key')
    .option('--unit <code>', 'one unit')
    .action(async (options: { system?: string; kind?: string; unit?: string }) => {
      const list = await withVault((vault) =>
        vault.list({
          ...(options.system ? { system: options.system as CredentialSystem } : {}),
          ...(options.kind ? { kind: options.kind as CredentialKind } : {}),
          ...(options.unit ? { unitCode: options.unit } : {}),
        }),
      );
      for (const credential of list) print(showCredential(credential));
      note(`${list.length} credential${list.length === 1 ? '' : 's'}`);
    });
  credentials
    .command('add')
    .description('store an account secret, sealed with the vault key')
    .requiredOption('--system <system>', 'provincial or national')
    .requiredOption('--account <id>', 'the account (client id)')
    .option('--kind <kind>', 'client-secret or refresh-token', 'client-secret')
    .option('--unit <code>', 'the unit a national account belongs to')
    .option('--rights <list>', 'national rights, comma-separated: nhap,tong_hop,duyet,gui')
    .option('--secret-env <variable>', 'read the secret from this environment variable')
    .option('--secret-file <file>', 'read the secret from this file')
    .option('--reason <text>', 'why, for the audit trail')
    .action(
      async (options: {
        system: string;
        account: string;
        kind: string;
        unit?: string;
        rights?: string;
        secretEnv?: string;
        secretFile?: string;
        reason?: string;
      }) => {
        const secret = secretFrom(options);
        const added = await withVault((vault) =>
          vault.add(
            {
              system: options.system as CredentialSystem,
              kind: options.kind as CredentialKind,
              account: options.account,
              unitCode: options.unit ?? null,
              rights: options.rights ? options.rights.split(',').map((right) => right.trim()) : [],
              secret,
            },
            cliActor(),
            options.reason,
          ),
        );
        print(showCredential(added));
      },
    );
  credentials
    .command('add-signing-key')
    .description("store a unit's signing key and certificate chain (PKCS#12, or PEM key + chain)")
    .requiredOption('--unit <code>', 'the unit that signs')
    .option('--p12 <file>', 'a PKCS#12 file (.p12/.pfx)')
    .option('--passphrase-env <variable>', 'the variable holding the PKCS#12 passphrase')
    .option('--key <file>', 'a PEM private key')
    .option('--chain <file>', 'the PEM certificate chain (leaf and issuers)')
    .option('--reason <text>', 'why, for the audit trail')
    .action(
      async (options: {
        unit: string;
        p12?: string;
        passphraseEnv?: string;
        key?: string;
        chain?: string;
        reason?: string;
      }) => {
        let prepared;
        if (options.p12) {
          prepared = fromPkcs12(
            readFileSync(options.p12),
            options.passphraseEnv ? (process.env[options.passphraseEnv] ?? '') : '',
          );
        } else if (options.key && options.chain) {
          prepared = fromPem(
            readFileSync(options.key, 'utf8'),
            readFileSync(options.chain, 'utf8'),
          );
        } else {
          throw new InvalidArgumentError('give --p12 FILE, or --key FILE and --chain FILE');
        }
        const added = await withVault((vault) =>
          vault.add(
            {
              system: 'national',
              kind: 'signing-key',
              account: options.unit,
              unitCode: options.unit,
              secret: prepared.privateKeyPem,
              details: prepared.details,
            },
            cliActor(),
            options.reason,
          ),
        );
        print(
          `${showCredential(added)}  ${prepared.details.subject}  valid until ${prepared.details.notAfter}`,
        );
      },
    );
  credentials
    .command('rotate <id>')
    .description('replace the secret of a stored credential')
    .option('--secret-env <variable>', 'read the new secret from this environment variable')
    .option('--secret-file <file>', 'read the new secret from this file')
    .requiredOption('--reason <text>', 'why, for the audit trail')
    .action(
      async (id: string, options: { secretEnv?: string; secretFile?: string; reason: string }) => {
        const secret = secretFrom(options);
        print(
          showCredential(
            await withVault((vault) =>
              vault.rotate(id, secret, cliActor(), { reason: options.reason }),
            ),
          ),
        );
      },
    );
  for (const [verb, status] of [
    ['disable', 'disabled'],
    ['enable', 'active'],
  ] as const) {
    credentials
      .command(`${verb} <id>`)
      .description(`${verb} a stored credential`)
      .requiredOption('--reason <text>', 'why, for the audit trail')
      .action(async (id: string, options: { reason: string }) => {
        print(
          showCredential(
            await withVault((vault) => vault.setStatus(id, status, cliActor(), options.reason)),
          ),
        );
      });
  }
  credentials
    .command('test <id>')
    .description('sign in with a national unit account now; exit 1 if refused')
    .action(async (id: string) => {
      const outcome = await withVault((vault, config) =>
        testNationalLogin(
          vault,
          () => new NationalClient(config, new VaultNationalAccounts(vault)),
          id,
          cliActor(),
        ),
      );
      if (!outcome.ok) process.exitCode = 1;
      print(outcome.message);
    });

  const vaultCommand = program.command('vault').description('the key of the credential vault');
  vaultCommand
    .command('generate-key')
    .description('print a new random vault key (base64 of 32 bytes) for vault.key / VAULT_KEY_FILE')
    .action(() => print(VaultKey.generate().toText()));
  vaultCommand
    .command('rotate-key')
    .description('re-encrypt every stored secret under a new key, in one transaction')
    .requiredOption('--new-key-file <file>', 'the new key (base64), e.g. from `vault generate-key`')
    .option('--reason <text>', 'why, for the audit trail')
    .action(async (options: { newKeyFile: string; reason?: string }) => {
      const next = VaultKey.parse(readFileSync(options.newKeyFile, 'utf8'));
      const { count } = await withVault((vault) =>
        vault.rotateKey(next, cliActor(), options.reason),
      );
      print(`re-encrypted ${count} credential${count === 1 ? '' : 's'} under key ${next.id}`);
      note('Now set vault.keyFile (VAULT_KEY_FILE) to the new key and restart every replica.');
    });
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ConfigError) {
      note(error.message);
      return 78;
    }
    note(`error: ${(error as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
