import { tokenRequestsTotal } from './metrics';

export interface IssuedToken {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/**
 * Access tokens per account, refreshed ahead of expiry, with a single flight: however many calls
 * ask for one account's token at once, one token request is made.
 */
export class TokenCache {
  private readonly tokens = new Map<string, IssuedToken & { receivedAt: number }>();
  private readonly inFlight = new Map<string, Promise<IssuedToken>>();
  private readonly refused = new Map<string, { error: unknown; until: number }>();

  /**
   * `permanent` tells a refusal that trying again will not fix (a disabled account, a revoked
   * grant): it is remembered for `refusalMs`, so a thousand transfers do not each ask again.
   */
  constructor(
    private readonly issue: (account: string) => Promise<IssuedToken>,
    private readonly refreshAheadMs = 30_000,
    private readonly now: () => number = Date.now,
    private readonly permanent: (error: unknown) => boolean = () => false,
    private readonly refusalMs = 60_000,
    /** The identity provider, as metrics name it. */
    private readonly system = 'unknown',
  ) {}

  async get(account: string): Promise<string> {
    const refusal = this.refused.get(account);
    if (refusal && refusal.until > this.now()) throw refusal.error;
    const cached = this.tokens.get(account);
    // Refreshed ahead of expiry, by at most half its life: a token of a few seconds is still used.
    const ahead = cached
      ? Math.min(this.refreshAheadMs, (cached.expiresAt - cached.receivedAt) / 2)
      : 0;
    if (cached && cached.expiresAt - ahead > this.now()) return cached.accessToken;
    let pending = this.inFlight.get(account);
    if (!pending) {
      pending = this.issue(account)
        .then((token) => {
          tokenRequestsTotal.inc({ system: this.system, outcome: 'ok' });
          return token;
        })
        .catch((error: unknown) => {
          tokenRequestsTotal.inc({ system: this.system, outcome: 'error' });
          if (this.permanent(error))
            this.refused.set(account, { error, until: this.now() + this.refusalMs });
          throw error;
        })
        .finally(() => this.inFlight.delete(account));
      this.inFlight.set(account, pending);
    }
    const token = await pending;
    this.tokens.set(account, { ...token, receivedAt: this.now() });
    return token.accessToken;
  }

  /** Forgets the account's token (after a 401), unless a newer one already replaced it. */
  /** Forgets a remembered refusal: the account was fixed (enabled, credentials rotated). */
  forgive(account: string): void {
    this.refused.delete(account);
  }

  invalidate(account: string, token?: string): void {
    const cached = this.tokens.get(account);
    if (!token || cached?.accessToken === token) this.tokens.delete(account);
  }
}
