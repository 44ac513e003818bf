import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { normaliseSectorName } from '../catalog/sectors';
import { projectRoot } from '../config/project-root';

export type SatisfactionLevel = 1 | 2 | 3;

/**
 * Satisfaction labels to the directive's three levels: (1) Rất hài lòng, (2) Hài lòng or Bình
 * thường, (3) Chưa hài lòng, Không hài lòng or Rất tệ. The source label is kept beside the level.
 */
export class SatisfactionLevels {
  private readonly byKey = new Map<string, SatisfactionLevel>();
  private readonly byLabel = new Map<string, SatisfactionLevel | undefined>();

  constructor(readonly levels: Readonly<Record<SatisfactionLevel, readonly string[]>>) {
    for (const [level, labels] of Object.entries(levels)) {
      for (const label of labels)
        this.byKey.set(normaliseSectorName(label), Number(level) as SatisfactionLevel);
    }
  }

  static load(
    file = path.join(projectRoot, 'config', 'catalog', 'satisfaction-levels.yaml'),
  ): SatisfactionLevels {
    return new SatisfactionLevels(
      (parseYaml(readFileSync(file, 'utf8')) as { levels: Record<SatisfactionLevel, string[]> })
        .levels,
    );
  }

  /** The level of a label, or undefined for a label no source is known to use. */
  levelOf(label: string): SatisfactionLevel | undefined {
    if (!this.byLabel.has(label))
      this.byLabel.set(label, this.byKey.get(normaliseSectorName(label)));
    return this.byLabel.get(label);
  }

  get knownLabels(): string[] {
    return Object.values(this.levels).flat();
  }
}
