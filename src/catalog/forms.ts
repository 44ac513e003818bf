import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { projectRoot } from '../config/project-root';
import { parseRule, type ParsedRule } from './form-rules';
import { parsePeriod, type Period } from './periods';

const levels = z.enum(['province', 'department', 'district', 'district-agency', 'commune']);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

/**
 * How the form is laid out as a workbook (the appendix's layout), as data beside the form. Every
 * key has a default, so a form added without one still gets a workbook. In the texts, `{parent}`
 * is the reporting unit's parent unit and `{province}` the province.
 */
const workbookSchema = z
  .object({
    sheetName: z.string().min(1).max(31).optional(),
    /** Under the form's code, top right: the act that issued the form. */
    issuedUnder: z.string().min(1).optional(),
    /** The line above the table, right: "Đơn vị tính: …". */
    unitOfMeasure: z.string().min(1).optional(),
    font: z
      .object({ name: z.string().min(1), size: z.number().positive() })
      .strict()
      .default({ name: 'Times New Roman', size: 12 }),
    orientation: z.enum(['landscape', 'portrait']).default('landscape'),
    /** Width of a column by its number, in characters; the others get `defaultWidth`. */
    columnWidths: z.record(z.string().regex(/^\d+$/), z.number().positive()).default({}),
    defaultWidth: z.number().positive().default(11),
    /** The receiving unit by the reporting unit's level. */
    receiver: z.partialRecord(levels, z.string().min(1)).default({}),
    signatures: z
      .array(z.object({ title: z.string().min(1), note: z.string().min(1) }).strict())
      .min(1)
      .max(3)
      .default([
        { title: 'NGƯỜI LẬP BIỂU', note: '(Ký, ghi rõ họ tên)' },
        { title: 'THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ', note: '(Ký tên, đóng dấu)' },
      ]),
  })
  .strict();

export type WorkbookLayout = z.infer<typeof workbookSchema>;

const common = {
  code: z.string().min(1),
  title: z.string().min(1),
  version: z.number().int().positive(),
  provisional: z.boolean(),
  source: z.string().min(1),
  filedBy: z.array(levels).min(1),
  signedBy: z.array(levels).default([]),
  deadline: z
    .object({ daysAfterCutoff: z.partialRecord(levels, z.number().int().min(0)) })
    .strict(),
  validFrom: date.optional(),
  validTo: date.nullable().optional(),
  // A form without a layout of its own gets the defaults.
  workbook: workbookSchema.prefault({}),
};

const gridSchema = z
  .object({
    ...common,
    kind: z.literal('grid'),
    rowKinds: z.array(z.enum(['sector', 'unit'])).min(1),
    summaryOf: z.string().optional(),
    checkColumns: z.array(z.number().int().positive()).default([]),
    columns: z
      .array(
        z
          .object({
            number: z.number().int().positive(),
            heading: z.string().min(1),
            group: z.string().optional(),
            type: z.enum(['row-number', 'row-label', 'count']),
          })
          .strict(),
      )
      .min(3),
    rules: z.array(
      z
        .object({
          id: z.string().min(1),
          expression: z.string().min(1),
          severity: z.enum(['error', 'warning']).default('error'),
        })
        .strict(),
    ),
  })
  .strict();

const outlineSchema = z
  .object({
    ...common,
    kind: z.literal('outline'),
    sections: z
      .array(
        z
          .object({
            code: z.string().min(1),
            title: z.string().min(1),
            maxLength: z.number().int().positive(),
            required: z.boolean(),
            fields: z
              .array(
                z
                  .object({
                    key: z.string().min(1),
                    label: z.string().min(1),
                    type: z.literal('count'),
                  })
                  .strict(),
              )
              .default([]),
          })
          .strict(),
      )
      .min(1)
      .refine(
        (sections) => new Set(sections.map((section) => section.code)).size === sections.length,
        {
          message: 'each section code appears once',
        },
      ),
  })
  .strict();

const formSchema = z.discriminatedUnion('kind', [gridSchema, outlineSchema]);

const regimesSchema = z
  .object({
    regimes: z
      .array(
        z
          .object({
            code: z.string().min(1),
            name: z.string().min(1),
            validFrom: date,
            validTo: date.nullable(),
            provisional: z.boolean(),
            copiesFormsOf: z.string().optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type RegimeDefinition = z.infer<typeof regimesSchema>['regimes'][number];
type FormFile = z.infer<typeof formSchema>;

interface Resolved {
  regime: string;
  validFrom: string;
  validTo: string | null;
}
export type GridForm = z.infer<typeof gridSchema> &
  Resolved & {
    parsedRules: Array<
      ParsedRule & { id: string; expression: string; severity: 'error' | 'warning' }
    >;
  };
export type OutlineForm = z.infer<typeof outlineSchema> & Resolved;
export type FormDefinition = GridForm | OutlineForm;

export class FormCatalogueError extends Error {}

/** No regime, or no form of a regime, is in force for a period: refused, never guessed. */
export class NoFormInForce extends Error {
  constructor(
    readonly formCode: string,
    readonly periodId: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'NoFormInForce';
  }
}

/**
 * The national forms (biểu) as data: config/forms/regimes.yaml and one folder of form files per
 * regime. A regime may declare its forms provisional copies of another's.
 */
export class FormCatalogue {
  /** The forms in force by a period's last day: the catalogue does not change once loaded. */
  private readonly inForce = new Map<string, readonly FormDefinition[]>();

  private constructor(
    readonly regimes: RegimeDefinition[],
    readonly forms: FormDefinition[],
  ) {}

  /**
   * The project's own catalogue, read once per process (its files do not change while it runs);
   * another directory is read each time.
   */
  static load(directory?: string): FormCatalogue {
    if (directory) return FormCatalogue.read(directory);
    return (FormCatalogue.project ??= FormCatalogue.read(
      path.join(projectRoot, 'config', 'forms'),
    ));
  }

  private static project?: FormCatalogue;

  private static read(directory: string): FormCatalogue {
    const problems: string[] = [];
    const read = (file: string): unknown => {
      try {
        return parseYaml(readFileSync(file, 'utf8'));
      } catch (error) {
        problems.push(`${file}: ${(error as Error).message}`);
        return undefined;
      }
    };
    const regimesFile = path.join(directory, 'regimes.yaml');
    const regimesResult = regimesSchema.safeParse(read(regimesFile));
    if (!regimesResult.success)
      throw new FormCatalogueError(`${regimesFile}: ${z.prettifyError(regimesResult.error)}`);
    const regimes = regimesResult.data.regimes;
    const own = new Map<string, FormFile[]>();
    for (const regime of regimes) {
      const folder = path.join(directory, regime.code);
      const files = existsSync(folder)
        ? readdirSync(folder)
            .filter((name) => name.endsWith('.yaml'))
            .sort()
        : [];
      const forms: FormFile[] = [];
      for (const name of files) {
        const result = formSchema.safeParse(read(path.join(folder, name)));
        if (!result.success)
          problems.push(`${path.join(folder, name)}: ${z.prettifyError(result.error)}`);
        else forms.push(result.data);
      }
      own.set(regime.code, forms);
    }
    const forms: FormDefinition[] = [];
    for (const regime of regimes) {
      let files = own.get(regime.code) ?? [];
      if (regime.copiesFormsOf) {
        const source = own.get(regime.copiesFormsOf);
        if (!source)
          problems.push(
            `regime ${regime.code} copies the forms of unknown regime ${regime.copiesFormsOf}`,
          );
        const ownCodes = new Set(files.map((form) => form.code));
        files = [
          ...files,
          ...(source ?? [])
            .filter((form) => !ownCodes.has(form.code))
            .map((form) => ({
              ...form,
              provisional: true,
              source: `provisional copy of the ${regime.copiesFormsOf} form; ${form.source}`,
            })),
        ];
      }
      for (const form of files) {
        const resolved = {
          ...form,
          regime: regime.code,
          validFrom: form.validFrom ?? regime.validFrom,
          validTo: form.validTo ?? regime.validTo,
          provisional: form.provisional || regime.provisional,
        };
        if (resolved.kind === 'grid') {
          try {
            forms.push({
              ...resolved,
              parsedRules: resolved.rules.map((rule) => ({
                ...rule,
                ...parseRule(rule.expression),
              })),
            });
          } catch (error) {
            problems.push(`${regime.code}/${form.code}: ${(error as Error).message}`);
          }
        } else forms.push(resolved);
      }
    }
    if (problems.length)
      throw new FormCatalogueError(
        `form catalogue ${directory} is invalid:\n  ${problems.join('\n  ')}`,
      );
    return new FormCatalogue(regimes, forms);
  }

  /** The regime in force on a period's last day. */
  regimeFor(period: Period | string): RegimeDefinition | undefined {
    return this.regimeOn((typeof period === 'string' ? parsePeriod(period) : period).to);
  }

  private regimeOn(last: string): RegimeDefinition | undefined {
    return this.regimes.find(
      (regime) => regime.validFrom <= last && (regime.validTo === null || regime.validTo >= last),
    );
  }

  /** The forms in force on a period's last day, worked out once per day asked. */
  formsFor(period: Period | string): readonly FormDefinition[] {
    const last = (typeof period === 'string' ? parsePeriod(period) : period).to;
    let forms = this.inForce.get(last);
    if (!forms) {
      const regime = this.regimeOn(last);
      forms = regime
        ? this.forms.filter(
            (form) =>
              form.regime === regime.code &&
              form.validFrom <= last &&
              (form.validTo === null || form.validTo >= last),
          )
        : [];
      this.inForce.set(last, forms);
    }
    return forms;
  }

  /** The form in force for a period, or NoFormInForce saying why not. */
  form(code: string, period: Period | string): FormDefinition {
    const resolved = typeof period === 'string' ? parsePeriod(period) : period;
    const regime = this.regimeFor(resolved);
    if (!regime)
      throw new NoFormInForce(
        code,
        resolved.id,
        `no report regime is in force on ${resolved.to}, the last day of ${resolved.id}`,
      );
    const form = this.formsFor(resolved).find((candidate) => candidate.code === code);
    if (!form)
      throw new NoFormInForce(
        code,
        resolved.id,
        `regime ${regime.code} has no form ${code} in force on ${resolved.to}`,
      );
    return form;
  }
}
