import { Injectable } from '@nestjs/common';

/** Whether this process is still taking work. Readiness turns false the moment shutdown begins. */
@Injectable()
export class LifecycleService {
  private stoppingSince: Date | null = null;

  beginShutdown(): void {
    this.stoppingSince ??= new Date();
  }

  get stopping(): boolean {
    return this.stoppingSince !== null;
  }
}
