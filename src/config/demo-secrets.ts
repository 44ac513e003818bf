import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from './app-config';
import { projectRoot } from './project-root';

/**
 * A key demo mode generates once (the vault key, the audit signing key), kept with the data it
 * seals or signs: in the embedded PostgreSQL's folder (through its symlink when the cluster lives
 * under /var/lib), so that deleting `.data/` cannot leave a surviving cluster without its key.
 * With an external database (DATABASE_URL), or before the embedded folder exists, under
 * `.data/<legacy>`. A key an older version wrote under `.data/<legacy>` is carried over once.
 */
export function demoSecret(
  config: AppConfig,
  name: string,
  legacy: string,
  generate: () => string,
  root = projectRoot,
): string {
  const legacyFile = path.join(root, '.data', legacy);
  const dataDir = path.resolve(root, config.database.embedded.dataDir);
  const file = !config.database.url && existsSync(dataDir) ? path.join(dataDir, name) : legacyFile;
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    if (file !== legacyFile && existsSync(legacyFile)) copyFileSync(legacyFile, file);
    else writeFileSync(file, generate(), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8');
}
