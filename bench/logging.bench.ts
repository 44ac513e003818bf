import pino from 'pino';
import { loadConfig } from '../src/config/load-config';
import { pinoOptions } from '../src/logging/logger-options';

/**
 * What the secret scrubbing costs: the gateway's pino options against plain pino, same level,
 * same destination (/dev/null), same log calls, measured in one run.
 */
export function loggingBench(lines = 200_000): Record<string, number> {
  const config = loadConfig({ env: { LOG_LEVEL: 'info' } });
  const sink = () => pino.destination({ dest: '/dev/null', sync: true });
  const scrubbing = pino(pinoOptions(config), sink());
  const plain = pino({ level: 'info' }, sink());
  const entry = (index: number) => ({
    transferId: `t-${index}`,
    unit: 'UBND-XA-BINH-SON',
    attempt: {
      status: 201,
      headers: { authorization: 'Bearer abcdefghijklmnop', 'content-type': 'application/json' },
    },
  });
  const run = (logger: pino.Logger) => {
    const started = process.hrtime.bigint();
    for (let index = 0; index < lines; index++) logger.info(entry(index), 'pushed');
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  run(plain);
  run(scrubbing); // warm-up of both paths
  const plainSeconds = run(plain);
  const scrubbingSeconds = run(scrubbing);
  return {
    'logging.plain.linesPerSecond': Math.round(lines / plainSeconds),
    'logging.scrubbing.linesPerSecond': Math.round(lines / scrubbingSeconds),
    'logging.scrubbing.costRatio': Number((scrubbingSeconds / plainSeconds).toFixed(2)),
  };
}
