import type { AppConfig } from '../config/app-config';

/** How a push is retried: the one place that says how often, how long apart, and for how long. */
export interface RetryPolicy {
  /** Tries of one content version before it is failed and dead-lettered. */
  retryLimit: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How long to wait before asking again whether a sent submission was received. */
  confirmDelayMs: number;
  /** How long a replica holds a transfer it works on. */
  leaseMs: number;
}

/** The policy as configured (`transfers.*`; their defaults are in the configuration schema). */
export function retryPolicyOf(config: AppConfig): RetryPolicy {
  return {
    retryLimit: config.transfers.retryLimit,
    backoffBaseMs: config.transfers.backoffBaseMs,
    backoffMaxMs: config.transfers.backoffMaxMs,
    confirmDelayMs: 5_000,
    leaseMs: config.transfers.leaseSeconds * 1000,
  };
}

/**
 * Exponential backoff with jitter (half the ceiling plus a random half), never sooner than the
 * server's Retry-After.
 */
export function backoffMs(
  policy: RetryPolicy,
  attempt: number,
  random: () => number,
  retryAfterSeconds?: number,
): number {
  const ceiling = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** (attempt - 1));
  const jittered = ceiling / 2 + (random() * ceiling) / 2;
  return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
}
