import type net from 'node:net';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, NextFunction, Request, Response } from 'express';
import type { SimulatedIdentityProvider, VerifiedToken } from './identity-provider';
import { TokenRejected } from './identity-provider';

export interface Listening {
  server: http.Server;
  origin: string;
}

/** A simulator that cannot listen, naming its port (code SIMULATOR_PORT_IN_USE when taken). */
export class SimulatorListenError extends Error {
  constructor(
    readonly code: string,
    readonly simulator: string,
    readonly port: number,
    cause: Error,
  ) {
    super(
      code === 'SIMULATOR_PORT_IN_USE'
        ? `Cổng 127.0.0.1:${port} của ${simulator} mô phỏng đã có chương trình khác dùng: dừng chương trình đó, hoặc đặt cổng khác (SIMULATOR_*_PORT, 0 để tự chọn)`
        : `${simulator} mô phỏng không mở được cổng 127.0.0.1:${port}: ${cause.message}`,
      { cause },
    );
    this.name = 'SimulatorListenError';
  }
}

/** Starts listening on loopback; a port that cannot be had rejects, naming it. */
export async function listenOn(server: net.Server, port: number, simulator: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new SimulatorListenError(
          error.code === 'EADDRINUSE' ? 'SIMULATOR_PORT_IN_USE' : 'SIMULATOR_LISTEN_FAILED',
          simulator,
          port,
          error,
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

export async function listen(
  app: Express,
  port: number | undefined,
  simulator: string,
): Promise<Listening> {
  const server = http.createServer(app);
  await listenOn(server, port ?? 0, simulator);
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** What the two report-system simulators share: a loopback server with its API under /api/v1. */
export abstract class HttpSimulator {
  protected constructor(protected readonly listening: Listening) {}

  /** The API base URL, as PROVINCIAL_BASE_URL or NATIONAL_BASE_URL takes it. */
  get url(): string {
    return `${this.listening.origin}/api/v1`;
  }

  get origin(): string {
    return this.listening.origin;
  }

  stop(): Promise<void> {
    return close(this.listening.server);
  }
}

export class BadRequest extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    token?: VerifiedToken;
  }
}

/** Bearer-token guard against one identity provider, requiring a scope. 401 and 403 as RFC 6750 says. */
export function requireToken(idp: SimulatedIdentityProvider, scope: string) {
  return (request: Request, response: Response, next: NextFunction): void => {
    idp.verify(request.get('authorization')).then(
      (token) => {
        const scopes = String(token.scope ?? '').split(' ');
        if (!scopes.includes(scope)) {
          response.setHeader(
            'WWW-Authenticate',
            `Bearer error="insufficient_scope", scope="${scope}"`,
          );
          response
            .status(403)
            .json({ error: 'insufficient_scope', message: `the token lacks scope ${scope}` });
          return;
        }
        request.token = token;
        next();
      },
      (error: unknown) => {
        const reason = error instanceof TokenRejected ? error.reason : 'invalid token';
        response.setHeader(
          'WWW-Authenticate',
          `Bearer error="invalid_token", error_description="${reason.replace(/"/g, "'")}"`,
        );
        response.status(401).json({ error: 'invalid_token', message: reason });
      },
    );
  };
}

/** The last handler: 400 for BadRequest, 500 otherwise, always JSON. */
export function errorHandler(name: string) {
  return (error: unknown, _request: Request, response: Response, _next: NextFunction): void => {
    if (error instanceof BadRequest) {
      response
        .status(400)
        .json({ error: 'bad_request', field: error.field, message: error.message });
      return;
    }
    if ((error as { type?: string }).type === 'entity.parse.failed') {
      response
        .status(400)
        .json({ error: 'bad_request', field: 'body', message: 'the body is not valid JSON' });
      return;
    }
    if ((error as { type?: string }).type === 'entity.too.large') {
      response.status(413).json({ error: 'payload_too_large', message: 'the body is too large' });
      return;
    }
    response
      .status(500)
      .json({ error: 'internal', message: `${name}: ${(error as Error).message}` });
  };
}

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string): T {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
  } catch {
    throw new BadRequest('cursor', 'the cursor is not one this system issued');
  }
}

export function limitParameter(raw: unknown, fallback: number, maximum: number): number {
  if (raw === undefined) return fallback;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > maximum)
    throw new BadRequest('limit', `limit must be an integer from 1 to ${maximum}`);
  return limit;
}

export function optionalString(raw: unknown, field: string): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw === '')
    throw new BadRequest(field, `${field} must be a single non-empty value`);
  return raw;
}
