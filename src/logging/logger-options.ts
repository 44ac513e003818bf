import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Params } from 'nestjs-pino';
import type { DestinationStream, LoggerOptions } from 'pino';
import type { AppConfig } from '../config/app-config';
import { scrub, scrubText } from './redact';

export function usePrettyLogs(
  config: AppConfig,
  stdoutIsTerminal = process.stdout.isTTY === true,
): boolean {
  if (config.log.format === 'auto') return stdoutIsTerminal;
  return config.log.format === 'pretty';
}

/** pino options shared by the HTTP logger and the standalone (CLI, startup) logger. */
export function pinoOptions(config: AppConfig): LoggerOptions {
  return {
    level: config.log.level,
    base: { service: 'baocao-gateway' },
    // Headers are reduced by the serializers below; these paths are a second net for objects
    // logged by hand in the same shape.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
    formatters: {
      log: (object) => scrub(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const cleaned = args.map((argument: unknown) =>
          typeof argument === 'string' ? scrubText(argument) : argument,
        ) as Parameters<typeof method>;
        method.apply(this, cleaned);
      },
    },
    serializers: {
      req: (request: {
        id?: unknown;
        method?: string;
        url?: string;
        headers?: Record<string, unknown>;
        remoteAddress?: string;
      }) => ({
        id: request.id,
        method: request.method,
        url: request.url ? scrubText(request.url) : request.url,
        headers: scrub(request.headers),
        remoteAddress: request.remoteAddress,
      }),
    },
  };
}

export function pinoTransport(config: AppConfig): LoggerOptions['transport'] {
  return usePrettyLogs(config)
    ? {
        target: 'pino-pretty',
        options: {
          singleLine: true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,service',
        },
      }
    : undefined;
}

/** nestjs-pino parameters. A destination stream (tests) replaces stdout and the pretty transport. */
export function loggerParams(config: AppConfig, destination?: DestinationStream): Params {
  const options = {
    ...pinoOptions(config),
    transport: destination ? undefined : pinoTransport(config),
    genReqId: (request: IncomingMessage, response: ServerResponse) => {
      const given = request.headers['x-request-id'];
      const id = typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
      response.setHeader('x-request-id', id);
      return id;
    },
    customLogLevel: (_request: IncomingMessage, response: ServerResponse, error?: Error) =>
      error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
    autoLogging: { ignore: (request: IncomingMessage) => request.url === '/health' },
  };
  return { pinoHttp: destination ? [options, destination] : options };
}
