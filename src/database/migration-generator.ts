import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { projectRoot } from '../config/project-root';
import { dataSourceOptions } from './data-source-options';
import { runMigrationsLocked } from './migrations';

/**
 * Writes a migration holding the SQL that brings a database migrated to the latest migration in
 * line with the entities, and registers it in migrations/index.ts. Returns the file written, or
 * undefined when entities and migrations already agree.
 */
export async function generateMigration(
  url: string,
  name: string,
  now = Date.now(),
): Promise<string | undefined> {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name))
    throw new Error(`migration name must be PascalCase letters and digits, got "${name}"`);
  const dataSource = new DataSource(dataSourceOptions(url));
  await dataSource.initialize();
  try {
    await runMigrationsLocked(dataSource);
    const log = await dataSource.driver.createSchemaBuilder().log();
    if (log.upQueries.length === 0) return undefined;
    const className = `${name}${now}`;
    const statement = (query: { query: string; parameters?: unknown[] }) =>
      `    await queryRunner.query(\`${query.query.replace(/[`\\]/g, '\\$&').replace(/\$\{/g, '\\${')}\`${query.parameters?.length ? `, ${JSON.stringify(query.parameters)}` : ''});`;
    const source = [
      "import type { MigrationInterface, QueryRunner } from 'typeorm';",
      '',
      `export class ${className} implements MigrationInterface {`,
      `  name = '${className}';`,
      '',
      '  async up(queryRunner: QueryRunner): Promise<void> {',
      ...log.upQueries.map(statement),
      '  }',
      '',
      '  async down(queryRunner: QueryRunner): Promise<void> {',
      ...log.downQueries.reverse().map(statement),
      '  }',
      '}',
      '',
    ].join('\n');
    const file = path.join(projectRoot, 'migrations', `${now}-${name}.ts`);
    await writeFile(file, source);
    await registerMigration(path.basename(file, '.ts'), className);
    return file;
  } finally {
    await dataSource.destroy();
  }
}

async function registerMigration(module: string, className: string): Promise<void> {
  const indexFile = path.join(projectRoot, 'migrations', 'index.ts');
  const lines = (await readFile(indexFile, 'utf8')).split('\n');
  const listLine = lines.findIndex((line) => line.startsWith('export const migrations'));
  lines.splice(listLine, 0, `import { ${className} } from './${module}';`);
  const updated = lines
    .join('\n')
    .replace(/export const migrations: Function\[\] = \[([\s\S]*?)\];/, (_match, inner: string) => {
      const names = inner
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      names.push(className);
      return `export const migrations: Function[] = [\n${names.map((item) => `  ${item},`).join('\n')}\n];`;
    });
  await writeFile(indexFile, updated);
}
