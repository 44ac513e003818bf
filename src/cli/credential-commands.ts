import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CredentialView } from '../vault/credential-vault';
import type { CredentialKind, CredentialSystem } from '../database/entities/credential.entity';
import { VaultKey } from '../vault/vault-key';
import type { CredentialVault } from '../vault/credential-vault';
import type { AppConfig } from '../config/app-config';
import { CliError, cliActor, note, print } from './cli-output';

/** The vault, loaded for the verb that uses it (not for `vault generate-key` or the help). */
async function withVault<T>(
  work: (vault: CredentialVault, config: AppConfig) => Promise<T>,
): Promise<T> {
  return (await import('./cli-context')).withVault(work);
}

/** A secret from a variable or a file, never from the command line (it would show in `ps`). */
function secretFrom(options: { secretEnv?: string; secretFile?: string }): string {
  if (options.secretEnv) {
    const value = process.env[options.secretEnv];
    if (!value)
      throw new CliError(
        'SECRET_ENV_EMPTY',
        `--secret-env ${options.secretEnv}: biến môi trường này rỗng`,
        'secret-env',
      );
    return value;
  }
  if (options.secretFile) return readFileSync(options.secretFile, 'utf8').trim();
  throw new CliError(
    'SECRET_REQUIRED',
    'Cho bí mật bằng --secret-env BIẾN hoặc --secret-file TỆP (không bao giờ trên dòng lệnh)',
    'secret-env',
  );
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
    credential.lastCheck ? `lần kiểm tra gần nhất: ${credential.lastCheck}` : '',
  ]
    .join('  ')
    .trim();

/** credentials list|add|add-signing-key|rotate|disable|enable|test, vault generate-key|rotate-key. */
export function addCredentialCommands(program: Command): void {
  const credentials = program
    .command('credentials')
    .description('kho bí mật: tài khoản và khóa ký của các hệ thống bên ngoài');
  credentials
    .command('list')
    .description('các bí mật đã lưu, không kèm phần bí mật')
    .option('--system <system>', 'provincial (tỉnh) hoặc national (quốc gia)')
    .option('--kind <kind>', 'client-secret, refresh-token hoặc signing-key')
    .option('--unit <code>', 'một đơn vị')
    .action(async (options: { system?: string; kind?: string; unit?: string }) => {
      const list = await withVault((vault) =>
        vault.list({
          ...(options.system ? { system: options.system as CredentialSystem } : {}),
          ...(options.kind ? { kind: options.kind as CredentialKind } : {}),
          ...(options.unit ? { unitCode: options.unit } : {}),
        }),
      );
      for (const credential of list) print(showCredential(credential));
      note(`${list.length} bí mật`);
    });
  credentials
    .command('add')
    .description('lưu bí mật của một tài khoản, niêm phong bằng khóa kho')
    .requiredOption('--system <system>', 'provincial (tỉnh) hoặc national (quốc gia)')
    .requiredOption('--account <id>', 'tài khoản (client id)')
    .option('--kind <kind>', 'client-secret hoặc refresh-token', 'client-secret')
    .option('--unit <code>', 'đơn vị sở hữu tài khoản quốc gia')
    .option(
      '--rights <list>',
      'quyền trên hệ thống quốc gia, cách nhau bởi dấu phẩy: nhap,tong_hop,duyet,gui',
    )
    .option('--secret-env <variable>', 'đọc bí mật từ biến môi trường này')
    .option('--secret-file <file>', 'đọc bí mật từ tệp này')
    .option('--reason <text>', 'lý do, ghi vào nhật ký kiểm toán')
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
    .description(
      'lưu khóa ký số và chuỗi chứng thư của một đơn vị (PKCS#12, hoặc khóa PEM + chuỗi)',
    )
    .requiredOption('--unit <code>', 'đơn vị ký')
    .option('--p12 <file>', 'tệp PKCS#12 (.p12/.pfx)')
    .option('--passphrase-env <variable>', 'biến môi trường chứa mật khẩu của tệp PKCS#12')
    .option('--key <file>', 'khóa riêng dạng PEM')
    .option('--chain <file>', 'chuỗi chứng thư PEM (chứng thư của đơn vị và các tổ chức cấp)')
    .option('--reason <text>', 'lý do, ghi vào nhật ký kiểm toán')
    .action(
      async (options: {
        unit: string;
        p12?: string;
        passphraseEnv?: string;
        key?: string;
        chain?: string;
        reason?: string;
      }) => {
        const { fromPem, fromPkcs12 } = await import('../vault/signing-material');
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
          throw new CliError(
            'SIGNING_KEY_FILES_REQUIRED',
            'Cho --p12 TỆP, hoặc --key TỆP và --chain TỆP',
            'p12',
          );
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
          `${showCredential(added)}  ${prepared.details.subject}  hiệu lực đến ${prepared.details.notAfter}`,
        );
      },
    );
  credentials
    .command('rotate <id>')
    .description('thay bí mật của một tài khoản đã lưu')
    .option('--secret-env <variable>', 'đọc bí mật mới từ biến môi trường này')
    .option('--secret-file <file>', 'đọc bí mật mới từ tệp này')
    .requiredOption('--reason <text>', 'lý do, ghi vào nhật ký kiểm toán')
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
      .description(
        verb === 'disable'
          ? 'tạm ngừng dùng một bí mật đã lưu'
          : 'dùng lại một bí mật đã tạm ngừng',
      )
      .requiredOption('--reason <text>', 'lý do, ghi vào nhật ký kiểm toán')
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
    .description('đăng nhập thử bằng một tài khoản quốc gia của đơn vị; thoát mã 1 nếu bị từ chối')
    .action(async (id: string) => {
      const [{ NationalClient }, { VaultNationalAccounts }, { testNationalLogin }] =
        await Promise.all([
          import('../national/national.client'),
          import('../vault/vault-national-accounts'),
          import('../vault/vault.service'),
        ]);
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

  const vaultCommand = program.command('vault').description('khóa của kho bí mật');
  vaultCommand
    .command('generate-key')
    .description(
      'in một khóa kho ngẫu nhiên mới (base64 của 32 byte) cho vault.key / VAULT_KEY_FILE',
    )
    .action(() => print(VaultKey.generate().toText()));
  vaultCommand
    .command('rotate-key')
    .description('mã hóa lại mọi bí mật bằng khóa mới, trong một giao dịch')
    .requiredOption('--new-key-file <file>', 'khóa mới (base64), ví dụ từ `vault generate-key`')
    .option('--reason <text>', 'lý do, ghi vào nhật ký kiểm toán')
    .action(async (options: { newKeyFile: string; reason?: string }) => {
      const next = VaultKey.parse(readFileSync(options.newKeyFile, 'utf8'));
      const { count } = await withVault((vault) =>
        vault.rotateKey(next, cliActor(), options.reason),
      );
      print(`đã mã hóa lại ${count} bí mật bằng khóa ${next.id}`);
      note(
        'Giờ hãy đặt vault.keyFile (VAULT_KEY_FILE) trỏ tới khóa mới và khởi động lại mọi bản sao.',
      );
    });
}
