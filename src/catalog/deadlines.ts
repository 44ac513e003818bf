import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { projectRoot } from '../config/project-root';
import type { UnitLevel } from '../contracts/provincial-wire';
import type { FormDefinition } from './forms';
import { parsePeriod, type Period } from './periods';

type Overrides = Record<string, Partial<Record<UnitLevel, string>>>;

export interface Deadline {
  /** Last day to file, inclusive, Vietnam calendar date. */
  date: string;
  source: 'province' | 'form rule';
}

/**
 * Deadlines per period and unit level: what the province set for the period
 * (config/catalog/deadlines.yaml), else the form's rule "N days after the cut-off".
 */
export class Deadlines {
  constructor(private readonly overrides: Overrides = {}) {}

  static load(file = path.join(projectRoot, 'config', 'catalog', 'deadlines.yaml')): Deadlines {
    const { periods } = parseYaml(readFileSync(file, 'utf8')) as { periods: Overrides };
    return new Deadlines(periods ?? {});
  }

  for(form: FormDefinition, period: Period | string, level: UnitLevel): Deadline | undefined {
    const resolved = typeof period === 'string' ? parsePeriod(period) : period;
    const set = this.overrides[resolved.id]?.[level];
    if (set) return { date: set, source: 'province' };
    const days = form.deadline.daysAfterCutoff[level];
    if (days === undefined) return undefined;
    const date = new Date(Date.parse(`${resolved.to}T00:00:00Z`) + days * 86_400_000)
      .toISOString()
      .slice(0, 10);
    return { date, source: 'form rule' };
  }
}
