import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { projectRoot } from '../config/project-root';
import type { SectorRecord } from '../contracts/provincial-wire';

/**
 * The sector catalogue (lĩnh vực): codes, names, branches, with matching on a normalised key
 * (Unicode NFC, case, spaces, punctuation) and an alias table. An unknown name is an error that
 * lists the three nearest known names.
 */
export function normaliseSectorName(name: string): string {
  return name
    .normalize('NFC')
    .toLocaleLowerCase('vi')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Without diacritics: used only to rank the nearest names for an unknown one. */
function skeleton(name: string): string {
  return normaliseSectorName(name).normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd');
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(
        previous[j] + 1,
        previous[j - 1] + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return previous[b.length];
}

export interface Sector {
  code: string;
  name: string;
  branch: string;
}

export type SectorMatch =
  | { found: true; sector: Sector; by: 'code' | 'name' | 'alias' }
  | { found: false; nearest: string[] };

export class SectorCatalogue {
  private readonly byCode = new Map<string, Sector>();
  private readonly byKey = new Map<string, Sector>();
  private readonly aliases = new Map<string, Sector>();

  constructor(sectors: readonly SectorRecord[], aliases: Readonly<Record<string, string>> = {}) {
    for (const record of sectors) {
      const sector = { code: record.MALINHVUC, name: record.TENLINHVUC, branch: record.MANGANH };
      this.byCode.set(sector.code, sector);
      this.byKey.set(normaliseSectorName(sector.name), sector);
    }
    for (const [alias, code] of Object.entries(aliases)) {
      const sector = this.byCode.get(code);
      if (!sector) throw new Error(`sector alias "${alias}" names unknown sector code ${code}`);
      if (!this.byKey.has(normaliseSectorName(alias)))
        this.aliases.set(normaliseSectorName(alias), sector);
    }
  }

  static load(
    sectors: readonly SectorRecord[],
    aliasFile = path.join(projectRoot, 'config', 'catalog', 'sector-aliases.yaml'),
  ): SectorCatalogue {
    const { aliases } = parseYaml(readFileSync(aliasFile, 'utf8')) as {
      aliases: Record<string, string>;
    };
    return new SectorCatalogue(sectors, aliases);
  }

  /** Membership of sector codes, for validation. */
  readonly codes: Pick<ReadonlySet<string>, 'has'> = { has: (code) => this.byCode.has(code) };

  /** Every sector of the catalogue. */
  all(): Sector[] {
    return [...this.byCode.values()];
  }

  byCodeOrUndefined(code: string): Sector | undefined {
    return this.byCode.get(code);
  }

  match(reference: { code?: string | null; name?: string | null }): SectorMatch {
    if (reference.code) {
      const sector = this.byCode.get(reference.code);
      if (sector) return { found: true, sector, by: 'code' };
    }
    if (reference.name) {
      const key = normaliseSectorName(reference.name);
      const sector = this.byKey.get(key);
      if (sector) return { found: true, sector, by: 'name' };
      const aliased = this.aliases.get(key);
      if (aliased) return { found: true, sector: aliased, by: 'alias' };
    }
    return { found: false, nearest: this.nearest(reference.name ?? reference.code ?? '') };
  }

  /** The three known names closest to a name, nearest first. */
  nearest(name: string, count = 3): string[] {
    const target = skeleton(name);
    return [...this.byCode.values()]
      .map((sector) => ({
        name: sector.name,
        distance: editDistance(target, skeleton(sector.name)),
      }))
      .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name, 'vi'))
      .slice(0, count)
      .map((candidate) => candidate.name);
  }
}
