import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { projectRoot } from '../config/project-root';

const formMapping = z.discriminatedUnion('kind', [
  z
    .object({
      form: z.string(),
      kind: z.literal('grid'),
      rowsBy: z.literal('sector'),
      cells: z.record(z.string(), z.number().int().positive()),
    })
    .strict(),
  z
    .object({
      form: z.string(),
      kind: z.literal('outline'),
      sections: z.record(z.string(), z.string()),
      satisfactionSection: z.string().optional(),
    })
    .strict(),
  z
    .object({
      form: z.string(),
      kind: z.literal('summary'),
      of: z.string(),
      rowKind: z.enum(['sector', 'unit']),
    })
    .strict(),
]);

const mappingSchema = z
  .object({
    id: z.string().min(1),
    version: z.number().int().positive(),
    provincialRegime: z.string().min(1),
    nationalRegimes: z.array(z.string()).min(1),
    forms: z.array(formMapping).min(1),
  })
  .strict();

export type MappingTable = z.infer<typeof mappingSchema>;
export type FormMapping = MappingTable['forms'][number];

/**
 * Mapping tables from config/mappings/: provincial indicators and sections onto national form
 * cells and outline sections, versioned. The newest version covering both regimes applies.
 */
export class MappingTables {
  /** tableFor's answers by pair of regimes: the tables do not change once loaded. */
  private readonly chosen = new Map<string, MappingTable | undefined>();

  constructor(readonly tables: readonly MappingTable[]) {}

  static load(directory = path.join(projectRoot, 'config', 'mappings')): MappingTables {
    const problems: string[] = [];
    const tables: MappingTable[] = [];
    const files = existsSync(directory)
      ? readdirSync(directory)
          .filter((name) => name.endsWith('.yaml'))
          .sort()
      : [];
    for (const name of files) {
      const result = mappingSchema.safeParse(
        parseYaml(readFileSync(path.join(directory, name), 'utf8')),
      );
      if (result.success) tables.push(result.data);
      else problems.push(`${name}: ${z.prettifyError(result.error)}`);
    }
    if (problems.length)
      throw new Error(`mapping tables in ${directory} are invalid:\n  ${problems.join('\n  ')}`);
    return new MappingTables(tables);
  }

  tableFor(provincialRegime: string, nationalRegime: string): MappingTable | undefined {
    const key = `${provincialRegime} ${nationalRegime}`;
    if (!this.chosen.has(key))
      this.chosen.set(
        key,
        this.tables
          .filter(
            (table) =>
              table.provincialRegime === provincialRegime &&
              table.nationalRegimes.includes(nationalRegime),
          )
          .sort((a, b) => b.version - a.version)[0],
      );
    return this.chosen.get(key);
  }
}
