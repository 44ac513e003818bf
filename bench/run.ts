import { auditBench } from './audit.bench';
import { cliBench } from './cli.bench';
import { consoleBench } from './console.bench';
import { loggingBench } from './logging.bench';
import { mappingBench } from './mapping.bench';
import { millionBench } from './million.bench';
import { nationBench } from './nation.bench';
import { nationDataBench } from './nation-data.bench';
import { syncBench } from './sync.bench';
import { workbooksBench } from './workbooks.bench';

// `npm run bench`: each bench prints figures measured in this one run; ratios compare paths run
// side by side, so a busy machine moves both sides alike.
const benches: Record<string, () => Record<string, number> | Promise<Record<string, number>>> = {
  logging: () => loggingBench(),
  nationData: () => nationDataBench(),
  mapping: () => mappingBench(),
  audit: () => auditBench(),
  sync: () => syncBench(),
  nation: () => nationBench(),
  cli: () => cliBench(),
  console: () => consoleBench(),
  workbooks: () => workbooksBench(),
  million: () => millionBench(),
};

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  for (const [name, bench] of Object.entries(benches)) {
    if (only.length && !only.includes(name)) continue;
    const figures = await bench();
    for (const [key, value] of Object.entries(figures)) process.stdout.write(`${key}\t${value}\n`);
  }
  process.stdout.write(`peakRssMiB\t${Math.round(process.resourceUsage().maxRSS / 1024)}\n`);
}

void main();
