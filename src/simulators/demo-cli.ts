import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { projectRoot } from '../config/project-root';
import type { Command } from 'commander';
import { GatewayError } from '../common/gateway-error';
import { DEFAULT_CREDENTIALS_FILE } from './demo-files';
import { signIn } from './demo-sign-in';

/** A demo-only refusal: the CLI prints it with its code as it prints its own. */
class DemoCliError extends GatewayError {}

/**
 * Demo-only verbs, added to the CLI in demo mode only (a production CLI never loads the
 * simulators): `token` signs a demo person in at the simulated SSO; `mailbox` reads the
 * notifications kept in the local mailbox.
 */
export function addDemoCommands(program: Command): void {
  program
    .command('token')
    .description(
      'chế độ demo: đăng nhập một người dùng mẫu ở SSO mô phỏng và in access token cho API của cổng',
    )
    .requiredOption('--role <role>', 'operator, auditor hoặc admin')
    .action(async (options: { role: string }) => {
      if (!['operator', 'auditor', 'admin'].includes(options.role))
        throw new DemoCliError(
          'invalid',
          'ROLE_INVALID',
          '--role phải là operator, auditor hoặc admin',
          'role',
        );
      if (!existsSync(DEFAULT_CREDENTIALS_FILE))
        throw new DemoCliError(
          'unavailable',
          'DEMO_NOT_RUNNING',
          'Chưa có tài khoản demo: hãy khởi động cổng ở chế độ demo trước (npm start)',
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
        throw new DemoCliError(
          'unavailable',
          'DEMO_SIGN_IN_FAILED',
          `Không đăng nhập được ở ${demo.urls.provincialSso}: cổng có đang chạy ở chế độ demo không (npm start)? ${(error as Error).message}`,
        );
      });
      process.stderr.write(
        `${person.username} (${options.role}), hiệu lực ${tokens.expires_in} giây\n`,
      );
      process.stdout.write(`${tokens.access_token}\n`);
    });
  program
    .command('mailbox')
    .description('chế độ demo: đọc các thư thông báo gần nhất trong hộp thư cục bộ (.data/mailbox)')
    .option('--last <n>', 'số thư', '5')
    .action(async (options: { last: string }) => {
      const count = Number(options.last);
      if (!Number.isInteger(count) || count < 1 || count > 1000)
        throw new DemoCliError(
          'invalid',
          'LAST_INVALID',
          '--last phải là số từ 1 đến 1000',
          'last',
        );
      const dir = path.join(projectRoot, '.data', 'mailbox');
      const files = existsSync(dir)
        ? readdirSync(dir)
            .filter((name) => name.endsWith('.eml'))
            .sort()
            .slice(-count)
        : [];
      if (!files.length) {
        process.stdout.write(
          'Hộp thư demo chưa có thư nào (cổng gửi thông báo khoảng 15 giây một lần khi chạy npm start).\n',
        );
        return;
      }
      for (const name of files) {
        const mail = await simpleParser(readFileSync(path.join(dir, name)));
        const to = Array.isArray(mail.to)
          ? mail.to.map((address) => address.text).join(', ')
          : (mail.to?.text ?? '');
        process.stdout.write(
          `── ${name}\nGửi tới: ${to}\nTiêu đề: ${mail.subject ?? ''}\n\n${(mail.text ?? '').trim()}\n\n`,
        );
      }
    });
}
