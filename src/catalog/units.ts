import { readFileSync } from 'node:fs';
import type { UnitLevel, UnitRecord } from '../contracts/provincial-wire';
import type { FormCatalogue, FormDefinition } from './forms';
import { parsePeriod, type Period } from './periods';

/**
 * The unit registry, versioned by date: who exists, under whom, handling which sectors, on a day.
 * A period is filed by the tree in force on its last day. Filled from data files or from the
 * provincial system's unit list.
 */
export class UnitRegistry {
  private readonly byCode: Map<string, UnitRecord>;
  private readonly predecessors = new Map<string, UnitRecord[]>();
  private readonly trees = new Map<
    string,
    { units: UnitRecord[]; children: Map<string, UnitRecord[]> }
  >();
  private readonly handled = new Map<string, string[]>();

  constructor(readonly units: readonly UnitRecord[]) {
    this.byCode = new Map(units.map((unit) => [unit.officeCode, unit]));
    for (const unit of units) {
      for (const successor of unit.successorCodes) {
        this.predecessors.set(successor, [...(this.predecessors.get(successor) ?? []), unit]);
      }
    }
  }

  /** From a file: a list of units, or a data set (docs/simulators.md) whose `units` it takes. */
  static fromFile(file: string): UnitRegistry {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as
      UnitRecord[] | { units?: UnitRecord[] };
    const units = Array.isArray(parsed) ? parsed : parsed.units;
    if (!Array.isArray(units))
      throw new Error(`${file} holds neither a list of units nor a data set with units`);
    return new UnitRegistry(units);
  }

  get(code: string): UnitRecord | undefined {
    return this.byCode.get(code);
  }

  /** The unit as in force on a date, or undefined when it did not exist then. */
  inForce(code: string, date: string): UnitRecord | undefined {
    const unit = this.byCode.get(code);
    return unit && unit.validFrom <= date && (unit.validTo === null || unit.validTo >= date)
      ? unit
      : undefined;
  }

  private tree(period: Period | string): {
    units: UnitRecord[];
    children: Map<string, UnitRecord[]>;
  } {
    const last = (typeof period === 'string' ? parsePeriod(period) : period).to;
    let tree = this.trees.get(last);
    if (!tree) {
      const units = this.units.filter(
        (unit) => unit.validFrom <= last && (unit.validTo === null || unit.validTo >= last),
      );
      const children = new Map<string, UnitRecord[]>();
      for (const unit of units)
        if (unit.parentCode)
          children.set(unit.parentCode, [...(children.get(unit.parentCode) ?? []), unit]);
      tree = { units, children };
      this.trees.set(last, tree);
    }
    return tree;
  }

  /** Every unit in force on the last day of a period. */
  treeFor(period: Period | string): UnitRecord[] {
    return this.tree(period).units;
  }

  /** The units a unit aggregates in a period: its children in the tree in force. */
  childrenOf(code: string, period: Period | string): UnitRecord[] {
    return this.tree(period).children.get(code) ?? [];
  }

  /**
   * Sectors a unit handles on a date: its own and those of the units it succeeded (a merged
   * unit's sectors move to its successor).
   */
  sectorsHandled(code: string, date: string): string[] {
    const unit = this.inForce(code, date);
    if (!unit) return [];
    let sectors = this.handled.get(code);
    if (!sectors) {
      const all = new Set(unit.sectorCodes);
      for (const predecessor of this.predecessors.get(code) ?? [])
        predecessor.sectorCodes.forEach((sector) => all.add(sector));
      sectors = [...all].sort();
      this.handled.set(code, sectors);
    }
    return sectors;
  }

  /** Which forms each unit of the tree files for a period, by the forms' `filedBy` levels. */
  filings(
    period: Period | string,
    forms: FormCatalogue,
  ): Array<{ unit: UnitRecord; form: FormDefinition }> {
    const formsInForce = forms.formsFor(period);
    return this.treeFor(period).flatMap((unit) =>
      formsInForce
        .filter((form) => form.filedBy.includes(unit.level))
        .map((form) => ({ unit, form })),
    );
  }

  formsFiledBy(level: UnitLevel, period: Period | string, forms: FormCatalogue): FormDefinition[] {
    return forms.formsFor(period).filter((form) => form.filedBy.includes(level));
  }
}
