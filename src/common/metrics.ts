import { Counter, Histogram, Registry } from 'prom-client';

/**
 * The gateway's own metrics, in one registry (Prometheus' naming: `baocao_` prefix, base units,
 * `_total` counters). What parts count as they work lives here; what is read from the database
 * when Prometheus scrapes lives in operations/. Every replica exposes its own.
 */
export const metricsRegistry = new Registry();

export const remoteCallSeconds = new Histogram({
  name: 'baocao_remote_call_duration_seconds',
  help: 'Time of each call to a remote system, by system, operation and outcome (ok, error).',
  labelNames: ['system', 'operation', 'outcome'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

export const nationalStepsTotal = new Counter({
  name: 'baocao_national_steps_total',
  help: 'Push steps on the national system (submit, approve, send, confirm, readback) by outcome.',
  labelNames: ['step', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const tokenRequestsTotal = new Counter({
  name: 'baocao_token_requests_total',
  help: 'Access tokens asked of an identity provider, by system and outcome (ok, error).',
  labelNames: ['system', 'outcome'] as const,
  registers: [metricsRegistry],
});

/** "/api/v1/submissions/NS-8f1…/approve" → "/api/v1/submissions/:id/approve": a bounded label. */
export function operationOf(method: string, path: string): string {
  const query = path.indexOf('?');
  const bare = query === -1 ? path : path.slice(0, query);
  // One pass over the path, on every national call: a segment of four or more characters holding
  // a digit is an id.
  return `${method} ${bare.replace(ID_SEGMENT, '/:id')}`;
}

const ID_SEGMENT = /\/(?=[^/]*\d)[^/]{4,}/g;

/** Times one remote call into remoteCallSeconds. */
export async function timed<T>(
  system: string,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  const end = remoteCallSeconds.startTimer({ system, operation });
  try {
    const result = await call();
    end({ outcome: 'ok' });
    return result;
  } catch (error) {
    end({ outcome: 'error' });
    throw error;
  }
}
