// Verifies an audit export (JSON Lines) offline, without the database:
//   npx ts-node --transpile-only scripts/verify-audit-export.ts export.jsonl [auditor-copy-of-public-key.pem]
// Exit code 0 when intact, 1 otherwise. docs/audit.md says what is proven.
import { readFileSync } from 'node:fs';
import { verifyExportFile } from '../src/audit/export-verifier';

async function main(): Promise<number> {
  const [file, keyFile] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: verify-audit-export <export.jsonl> [public-key.pem]\n');
    return 2;
  }
  const result = await verifyExportFile(file, keyFile ? readFileSync(keyFile, 'utf8') : undefined);
  process.stdout.write(`${result.ok ? 'OK' : 'BROKEN'}: ${result.summary}\n`);
  if (!result.keyTrusted)
    process.stdout.write(
      'note: checked against the key inside the export; pass your own copy of the public key to check the signer too\n',
    );
  return result.ok ? 0 : 1;
}

void main().then((code) => process.exit(code));
