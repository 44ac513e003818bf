// Verifies an audit export (JSON Lines) offline, without the database:
//   npx ts-node --transpile-only scripts/verify-audit-export.ts export.jsonl [auditor-copy-of-public-key.pem]
// Exit code 0 when intact, 1 otherwise. docs/audit.md says what is proven.
import { readFileSync } from 'node:fs';
import { verifyExportFile } from '../src/audit/export-verifier';

async function main(): Promise<number> {
  const [file, keyFile] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('cách dùng: verify-audit-export <tệp-xuất.jsonl> [khóa-công-khai.pem]\n');
    return 2;
  }
  const result = await verifyExportFile(file, keyFile ? readFileSync(keyFile, 'utf8') : undefined);
  process.stdout.write(`${result.ok ? 'HỢP LỆ' : 'HỎNG'} [${result.code}]: ${result.summary}\n`);
  if (!result.keyTrusted)
    process.stdout.write(
      'lưu ý: đã kiểm tra bằng khóa nằm trong tệp xuất; hãy đưa bản khóa công khai của riêng bạn để kiểm tra cả người ký\n',
    );
  return result.ok ? 0 : 1;
}

void main().then((code) => process.exit(code));
