import { RemoteSystemError, type RemoteSystem } from './remote-system-error';

export interface CallGateOptions {
  /** Calls in flight at once (0: no cap). */
  maxConcurrent: number;
  /** Calls started per second, evenly spaced (0: no cap). */
  maxPerSecond: number;
  /** Failures in a row (server errors, no answer) that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit pauses the system before one probe is let through. */
  cooldownMs: number;
}

type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * What stands between the gateway and one remote system, per replica: a cap on calls in flight,
 * a cap on calls started per second, and a circuit breaker that pauses a failing system and
 * closes by itself once a probe succeeds. A paused call fails fast with a retryable error that
 * says when to come back, and is known not to have been sent.
 */
export class CallGate {
  /** Every gate of this process, for the circuit-state metric. */
  static readonly all = new Set<CallGate>();
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  /** When the last `maxPerSecond` requests started, oldest first. */
  private readonly starts: number[] = [];
  /** Starts are granted one after the other, each against the ones already made. */
  private pacing: Promise<void> = Promise.resolve();
  private failures = 0;
  private state: CircuitState = 'closed';
  private openUntil = 0;
  private probing = false;

  constructor(
    readonly system: RemoteSystem,
    private readonly options: CallGateOptions,
    private readonly now: () => number = Date.now,
  ) {
    CallGate.all.add(this);
  }

  /** The gate of one remote system from its section of the configuration and `outbound`. */
  static forSystem(
    system: RemoteSystem,
    limits: { maxConcurrent: number; maxRequestsPerSecond: number },
    outbound: { circuitFailures: number; circuitCooldownMs: number },
  ): CallGate {
    return new CallGate(system, {
      maxConcurrent: limits.maxConcurrent,
      maxPerSecond: limits.maxRequestsPerSecond,
      failureThreshold: outbound.circuitFailures,
      cooldownMs: outbound.circuitCooldownMs,
    });
  }

  get circuit(): { state: CircuitState; failures: number; openUntil: number | null } {
    return {
      state: this.state,
      failures: this.failures,
      openUntil: this.state === 'open' ? this.openUntil : null,
    };
  }

  /**
   * Runs one call through the gate. `ready` resolves when a request may start by the rate cap:
   * the call awaits it right before each request it sends (after fetching a token, and again
   * before a retry inside the call), so every request on the wire is counted.
   */
  async run<T>(work: (ready: () => Promise<void>) => Promise<T>): Promise<T> {
    const probe = this.admit();
    await this.acquire();
    try {
      const result = await work(() => this.pace());
      this.succeeded();
      return result;
    } catch (error) {
      this.failed(error);
      throw error;
    } finally {
      if (probe) this.probing = false;
      this.release();
    }
  }

  /** Lets the call through, as a probe when half-open; refuses it while open. */
  private admit(): boolean {
    if (this.state === 'open' && this.now() >= this.openUntil) this.state = 'half-open';
    if (this.state === 'closed') return false;
    if (this.state === 'half-open' && !this.probing) {
      this.probing = true;
      return true;
    }
    const wait = Math.max(1, Math.ceil((this.openUntil - this.now()) / 1000));
    throw new RemoteSystemError(
      this.system,
      null,
      true,
      `Tạm ngừng gọi ${this.system} sau ${this.failures} lần lỗi liên tiếp (mạch ngắt): thử lại sau ${wait} giây`,
      { retryAfterSeconds: wait, ambiguous: false, code: 'CIRCUIT_OPEN' },
    );
  }

  private acquire(): Promise<void> {
    if (!this.options.maxConcurrent || this.inFlight < this.options.maxConcurrent) {
      this.inFlight += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.inFlight += 1;
        resolve();
      }),
    );
  }

  private release(): void {
    this.inFlight -= 1;
    this.waiting.shift()?.();
  }

  /**
   * At most maxPerSecond starts in any window of one second, evenly spaced, measured at the moment
   * each start is granted. A start is granted after checking the clock again, never at a time
   * reserved in advance: a timer that fires late (a busy machine) does not let several requests
   * go at once, so the cap holds under load.
   */
  private pace(): Promise<void> {
    if (!this.options.maxPerSecond) return Promise.resolve();
    const granted = this.pacing.then(() => this.grant());
    this.pacing = granted;
    return granted;
  }

  private async grant(): Promise<void> {
    const limit = this.options.maxPerSecond;
    const spacing = 1000 / limit;
    for (;;) {
      const now = this.now();
      const last = this.starts.at(-1);
      // The start `limit` places back must be more than a second old.
      const oldest =
        this.starts.length >= limit ? this.starts[this.starts.length - limit] : undefined;
      const wait = Math.max(
        last === undefined ? 0 : last + spacing - now,
        oldest === undefined ? 0 : oldest + 1000 + 1 - now,
      );
      if (wait <= 0) {
        this.starts.push(now);
        if (this.starts.length > limit) this.starts.shift();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
    }
  }

  private succeeded(): void {
    this.failures = 0;
    this.state = 'closed';
  }

  private failed(error: unknown): void {
    // Only a failing system counts: no answer or a server error. Throttling, refusals and
    // validation errors are answers from a system that works. A write whose answer was lost
    // after it reached the system (ambiguous) is settled by reading it back: the read-back's
    // own outcome counts, not the lost answer of a system that may well have stored it.
    const counts =
      error instanceof RemoteSystemError &&
      error.retryable &&
      !error.ambiguous &&
      error.status !== 429 &&
      (error.status === null || error.status >= 500);
    if (!counts) return;
    this.failures += 1;
    if (this.state === 'half-open' || this.failures >= this.options.failureThreshold) {
      this.state = 'open';
      this.openUntil = this.now() + this.options.cooldownMs;
    }
  }
}
