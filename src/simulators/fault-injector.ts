import type { NextFunction, Request, Response } from 'express';
import { Router, json } from 'express';
import { SeededRandom } from './data/random';

/** Faults a simulator injects, set at start and changed at run time through /__admin/faults. */
export interface FaultSettings {
  /** Added to every answer: fixed part plus a uniform 0..jitter part, in milliseconds. */
  latencyMs: number;
  jitterMs: number;
  /** Share of requests answered with one of errorStatuses instead of being handled. */
  errorRate: number;
  errorStatuses: number[];
  /** Share of requests answered 429 with Retry-After. */
  throttleRate: number;
  retryAfterSeconds: number;
  /** Share of requests never answered: the connection is held for timeoutMs, then cut. */
  timeoutRate: number;
  timeoutMs: number;
  /** National system only: share of submissions stored, whose answer is then lost. */
  dropAfterStoreRate: number;
  /** National system only: share of received submissions returned for correction. */
  returnRate: number;
  /** National system only: share of received submissions whose stored copy later changes. */
  driftRate: number;
  /** Requests in flight at once beyond which the answer is 429; 0: no cap. */
  maxConcurrent: number;
  /** Requests per second beyond which the answer is 429; 0: no cap. */
  maxRequestsPerSecond: number;
  /** Until this instant (ISO 8601) every request is answered 503: an outage. */
  outageUntil: string | null;
}

export const noFaults: FaultSettings = {
  latencyMs: 0,
  jitterMs: 0,
  errorRate: 0,
  errorStatuses: [500, 502, 503],
  throttleRate: 0,
  retryAfterSeconds: 1,
  timeoutRate: 0,
  timeoutMs: 30_000,
  dropAfterStoreRate: 0,
  returnRate: 0,
  driftRate: 0,
  maxConcurrent: 0,
  maxRequestsPerSecond: 0,
  outageUntil: null,
};

export type FaultKind =
  | 'latency'
  | 'error'
  | 'throttle'
  | 'timeout'
  | 'outage'
  | 'concurrencyCap'
  | 'rateCap'
  | 'dropAfterStore'
  | 'returned'
  | 'drift'
  | 'revoked'
  | 'disabled'
  | 'formPublished';

export interface Counters {
  requests: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  faults: Partial<Record<FaultKind, number>>;
  /** The most requests seen in flight at once, and in one second, before any cap refused them. */
  peakConcurrent: number;
  peakRequestsPerSecond: number;
  /** Simulator-specific tallies: stored submissions, tokens issued, … */
  [extra: string]: unknown;
}

const ERROR_STATUSES = new Set([500, 502, 503]);

/**
 * Fault injection and counting for one simulator, as express middleware. Decisions draw on a
 * seeded generator, so a run with the same seed and the same request order injects the same
 * faults.
 */
export class FaultInjector {
  private settings: FaultSettings;
  private random: SeededRandom;
  private inFlight = 0;
  private second = 0;
  private inSecond = 0;
  counters: Counters = this.emptyCounters();

  constructor(
    readonly name: string,
    initial: Partial<FaultSettings> = {},
    seed: string | number = name,
  ) {
    this.settings = FaultInjector.validate({ ...noFaults, ...initial });
    this.random = new SeededRandom('faults', seed);
  }

  get current(): Readonly<FaultSettings> {
    return this.settings;
  }

  configure(change: Partial<FaultSettings>): FaultSettings {
    this.settings = FaultInjector.validate({ ...this.settings, ...change });
    return this.settings;
  }

  reset(): void {
    this.settings = { ...noFaults };
    this.counters = this.emptyCounters();
  }

  count(kind: FaultKind, by = 1): void {
    this.counters.faults[kind] = (this.counters.faults[kind] ?? 0) + by;
  }

  /** Simulator-specific tallies beside the fault counters: stored submissions, tokens issued, … */
  tally(name: string, by = 1): void {
    this.counters[name] = ((this.counters[name] as number | undefined) ?? 0) + by;
  }

  /** Draws against a rate; counts the fault when it fires. */
  roll(kind: 'dropAfterStoreRate' | 'returnRate' | 'driftRate'): boolean {
    const fires = this.random.next() < this.settings[kind];
    const counted: Record<typeof kind, FaultKind> = {
      dropAfterStoreRate: 'dropAfterStore',
      returnRate: 'returned',
      driftRate: 'drift',
    };
    if (fires) this.count(counted[kind]);
    return fires;
  }

  /** Middleware: counts every request, then applies caps, outage, throttling, errors, timeouts and latency. */
  middleware() {
    return (request: Request, response: Response, next: NextFunction): void => {
      if (request.path.startsWith('/__admin')) return next();
      const route = `${request.method} ${routeOf(request.path)}`;
      this.counters.requests += 1;
      this.counters.byRoute[route] = (this.counters.byRoute[route] ?? 0) + 1;
      const nowSecond = Math.floor(Date.now() / 1000);
      if (nowSecond !== this.second) {
        this.second = nowSecond;
        this.inSecond = 0;
      }
      this.inSecond += 1;
      this.inFlight += 1;
      this.counters.peakConcurrent = Math.max(this.counters.peakConcurrent, this.inFlight);
      this.counters.peakRequestsPerSecond = Math.max(
        this.counters.peakRequestsPerSecond,
        this.inSecond,
      );
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        this.inFlight -= 1;
        this.counters.byStatus[String(response.statusCode)] =
          (this.counters.byStatus[String(response.statusCode)] ?? 0) + 1;
      };
      // The request leaves the count when its handler ends the response, before a byte can reach
      // the client: a client that starts its next call on the answer is never counted twice.
      const end = response.end.bind(response) as (...args: unknown[]) => Response;
      response.end = ((...args: unknown[]) => {
        release();
        return end(...args);
      }) as Response['end'];
      response.once('finish', release);
      response.once('close', release);

      const settings = this.settings;
      const refuse = (status: number, kind: FaultKind, retryAfter?: number) => {
        this.count(kind);
        if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
        response.status(status).json({ error: kind, message: `${this.name}: injected ${kind}` });
      };
      if (settings.outageUntil && Date.parse(settings.outageUntil) > Date.now()) {
        return refuse(
          503,
          'outage',
          Math.ceil((Date.parse(settings.outageUntil) - Date.now()) / 1000),
        );
      }
      if (settings.maxConcurrent > 0 && this.inFlight > settings.maxConcurrent) {
        return refuse(429, 'concurrencyCap', settings.retryAfterSeconds);
      }
      if (settings.maxRequestsPerSecond > 0 && this.inSecond > settings.maxRequestsPerSecond) {
        return refuse(429, 'rateCap', 1);
      }
      const draw = this.random.next();
      let threshold = settings.throttleRate;
      if (draw < threshold) return refuse(429, 'throttle', settings.retryAfterSeconds);
      threshold += settings.errorRate;
      if (draw < threshold) {
        const status =
          settings.errorStatuses[Math.floor(this.random.next() * settings.errorStatuses.length)];
        return refuse(status, 'error');
      }
      threshold += settings.timeoutRate;
      if (draw < threshold) {
        this.count('timeout');
        setTimeout(() => request.socket.destroy(), settings.timeoutMs).unref();
        return;
      }
      const delay =
        settings.latencyMs + (settings.jitterMs > 0 ? this.random.next() * settings.jitterMs : 0);
      if (delay <= 0) return next();
      this.count('latency');
      // The answer leaves `delay` after the request came in, and the work is done meanwhile, as a
      // system whose answers take that long looks from outside. Waiting first and working after
      // put this one thread's work for every request whose wait ended at the same moment on top
      // of the delay: at 50 ms, the sync bench's gateway timed its national calls at 61.0 and
      // 61.4 ms on average, against 56.8 and 59.3 ms with the work done while waiting.
      const due = performance.now() + delay;
      const answer = response.end.bind(response) as (...args: unknown[]) => Response;
      response.end = ((...args: unknown[]) => {
        const wait = due - performance.now();
        if (wait <= 0) return answer(...args);
        setTimeout(() => answer(...args), wait);
        return response;
      }) as Response['end'];
      next();
    };
  }

  /** /__admin routes: read the counters, read and change the faults, reset both. */
  adminRouter(): Router {
    const router = Router();
    router.use(json());
    router.get('/counters', (_request, response) => void response.json(this.counters));
    router.get('/faults', (_request, response) => void response.json(this.settings));
    router.post('/faults', (request, response) => {
      try {
        response.json(this.configure(request.body as Partial<FaultSettings>));
      } catch (error) {
        response.status(400).json({ error: 'invalid_faults', message: (error as Error).message });
      }
    });
    router.post('/reset', (_request, response) => {
      this.reset();
      response.json({ ok: true });
    });
    return router;
  }

  private emptyCounters(): Counters {
    return {
      requests: 0,
      byRoute: {},
      byStatus: {},
      faults: {},
      peakConcurrent: 0,
      peakRequestsPerSecond: 0,
    };
  }

  static validate(settings: FaultSettings): FaultSettings {
    const problems: string[] = [];
    for (const key of Object.keys(settings) as Array<keyof FaultSettings>) {
      if (!(key in noFaults)) problems.push(`${key} is not a fault setting`);
    }
    for (const key of [
      'errorRate',
      'throttleRate',
      'timeoutRate',
      'dropAfterStoreRate',
      'returnRate',
      'driftRate',
    ] as const) {
      const value = settings[key];
      if (typeof value !== 'number' || value < 0 || value > 1)
        problems.push(`${key} must be a number from 0 to 1`);
    }
    for (const key of [
      'latencyMs',
      'jitterMs',
      'retryAfterSeconds',
      'timeoutMs',
      'maxConcurrent',
      'maxRequestsPerSecond',
    ] as const) {
      const value = settings[key];
      if (typeof value !== 'number' || value < 0 || !Number.isFinite(value))
        problems.push(`${key} must be a non-negative number`);
    }
    if (settings.errorRate + settings.throttleRate + settings.timeoutRate > 1) {
      problems.push('errorRate + throttleRate + timeoutRate must not exceed 1');
    }
    if (
      !Array.isArray(settings.errorStatuses) ||
      settings.errorStatuses.length === 0 ||
      !settings.errorStatuses.every((status) => ERROR_STATUSES.has(status))
    ) {
      problems.push('errorStatuses must be a non-empty list of 500, 502, 503');
    }
    if (settings.outageUntil !== null && Number.isNaN(Date.parse(settings.outageUntil))) {
      problems.push('outageUntil must be an ISO 8601 instant or null');
    }
    if (problems.length) throw new Error(problems.join('; '));
    return settings;
  }
}

/** Collapses ids in paths so counters group by route: /api/submissions/S-12 → /api/submissions/:id. */
function routeOf(path: string): string {
  return path
    .split('/')
    .map((segment) => (/\d/.test(segment) && segment.length > 3 ? ':id' : segment))
    .join('/');
}
