import { loadDemoSeeds } from '../src/simulators/data/demo-data';
import {
  generateNationDataSet,
  nationReports,
  nationUnits,
} from '../src/simulators/data/nation-data';

const mib = (bytes: number) => Number((bytes / 1048576).toFixed(1));
const collect = () => global.gc?.();

/**
 * The nation-sized data set (34 provinces, about 4,000 reports): generating it as a stream (one
 * report held at a time) against materialising the whole set, in one run. Retained heap is read
 * after a forced collection (run with --expose-gc, as `npm run bench` does).
 */
export function nationDataBench(): Record<string, number> {
  const asOf = new Date('2026-11-27T12:00:00Z');
  const { sectors } = loadDemoSeeds();
  const units = nationUnits();

  let started = process.hrtime.bigint();
  let reports = 0;
  for (const report of nationReports(units, sectors, { asOf }))
    reports += report.values.length > 0 ? 1 : 0;
  const streamingSeconds = Number(process.hrtime.bigint() - started) / 1e9;

  collect();
  const baseline = process.memoryUsage().heapUsed;
  let streamingRetained = 0;
  let seen = 0;
  for (const report of nationReports(units, sectors, { asOf })) {
    if (++seen % 500 === 0 && report) {
      collect();
      streamingRetained = Math.max(streamingRetained, process.memoryUsage().heapUsed - baseline);
    }
  }

  collect();
  started = process.hrtime.bigint();
  const materialised = generateNationDataSet({ asOf });
  const materialisedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  collect();
  const materialisedRetained = process.memoryUsage().heapUsed - baseline;
  return {
    'nationData.reports': reports,
    'nationData.units': materialised.units.length,
    'nationData.streaming.seconds': Number(streamingSeconds.toFixed(2)),
    'nationData.streaming.reportsPerSecond': Math.round(reports / streamingSeconds),
    'nationData.materialised.seconds': Number(materialisedSeconds.toFixed(2)),
    'nationData.streaming.retainedHeapMiB': mib(Math.max(streamingRetained, 0)),
    'nationData.materialised.retainedHeapMiB': mib(materialisedRetained),
  };
}
