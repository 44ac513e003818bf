import { createHash, randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Per-caller rate limits of this replica: a token bucket of `perMinute` requests for each caller
 * (a bearer token, else a console session, else an address) and five times that for each address
 * (however many tokens it makes up). Over it: 429 with Retry-After and a Vietnamese message.
 * /health is never limited (probes), nor are the console's two static files.
 */
export function rateLimit(perMinute: number, now: () => number = Date.now) {
  const buckets = new Map<string, Bucket>();
  const refillPerMs = perMinute / 60_000;
  let swept = now();

  /** Takes one request from a bucket; the milliseconds until one is there when it is empty. */
  const take = (key: string, capacity: number): number => {
    const time = now();
    const bucket = buckets.get(key) ?? { tokens: capacity, at: time };
    bucket.tokens = Math.min(
      capacity,
      bucket.tokens + (time - bucket.at) * refillPerMs * (capacity / perMinute),
    );
    bucket.at = time;
    buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return (1 - bucket.tokens) / (refillPerMs * (capacity / perMinute));
  };

  return (request: Request, response: Response, next: NextFunction): void => {
    if (
      perMinute <= 0 ||
      request.path.startsWith('/health') ||
      request.path.startsWith('/console/assets/')
    ) {
      next();
      return;
    }
    const time = now();
    if (time - swept > 60_000) {
      // Full buckets idle for a minute hold nothing worth keeping.
      for (const [key, bucket] of buckets) if (time - bucket.at > 60_000) buckets.delete(key);
      swept = time;
    }
    const address = request.ip ?? request.socket.remoteAddress ?? 'unknown';
    const authorization = request.headers.authorization;
    const cookie = /baocao_session=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
    const caller = authorization
      ? `token:${createHash('sha256').update(authorization).digest('hex').slice(0, 24)}`
      : cookie
        ? `session:${createHash('sha256').update(cookie).digest('hex').slice(0, 24)}`
        : `address:${address}`;
    const wait = Math.max(take(`address-cap:${address}`, perMinute * 5), take(caller, perMinute));
    if (wait === 0) {
      next();
      return;
    }
    const seconds = Math.max(1, Math.ceil(wait / 1000));
    const requestId = randomUUID();
    response
      .status(429)
      .setHeader('Retry-After', String(seconds))
      .setHeader('x-request-id', requestId)
      .json({
        statusCode: 429,
        code: 'RATE_LIMITED',
        message: `Quá nhiều yêu cầu (tối đa ${perMinute} mỗi phút cho mỗi người gọi): thử lại sau ${seconds} giây`,
        details: { retryAfterSeconds: seconds, perMinute },
        requestId,
      });
  };
}
