import { Injectable, Logger } from '@nestjs/common';

/** A fault that retrying cannot mend (a configuration that does not fit the data): it stands. */
export interface StandingFault {
  /** Stable code, e.g. VAULT_KEY_MISMATCH. */
  code: string;
  /** Vietnamese: what is wrong and what to do. */
  message: string;
  /** The work it pauses, e.g. "pushes". */
  pauses: string;
  details?: Record<string, unknown>;
}

/**
 * The standing faults of this replica. Each is logged once when found (not at every attempt
 * that meets it), shown by /health/ready, and the work it names is paused until the cause is
 * fixed and the replica restarted.
 */
@Injectable()
export class StandingFaults {
  private readonly logger = new Logger('StandingFaults');
  private readonly faults = new Map<string, StandingFault>();

  report(fault: StandingFault): void {
    if (this.faults.has(fault.code)) return;
    this.faults.set(fault.code, fault);
    this.logger.error({ code: fault.code, pauses: fault.pauses, ...fault.details }, fault.message);
  }

  /** The faults that pause the given work. */
  pausing(work: string): StandingFault[] {
    return [...this.faults.values()].filter((fault) => fault.pauses === work);
  }

  all(): StandingFault[] {
    return [...this.faults.values()];
  }
}
