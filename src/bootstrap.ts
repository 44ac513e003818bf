import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';
import { securityHeaders } from './common/security-headers';
import { rateLimit } from './common/rate-limit';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { packageVersion } from './database/package-version';

/** Builds the HTTP application the same way for `npm start`, production and the tests. */
export async function createGateway(options: AppModuleOptions): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    bufferLogs: true,
    abortOnError: false,
    bodyParser: false,
  });
  const { bodyLimitBytes, rateLimitPerMinute } = options.config.server;
  app.use(rateLimit(rateLimitPerMinute));
  app.useBodyParser('json', { limit: bodyLimitBytes });
  app.useBodyParser('urlencoded', { limit: bodyLimitBytes, extended: false });
  app.useLogger(app.get(Logger));
  answerClientErrors(app.getHttpServer());
  app.use(securityHeaders(options.config));
  app.flushLogs();
  const document = openApiDocument(app);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/openapi.json' });
  return app;
}

/**
 * Requests Node's HTTP parser refuses before any route (headers too large, a request line that is
 * not HTTP): answered as every refusal is, with a code, a Vietnamese message and a request id,
 * instead of an empty 4xx or a dropped connection.
 */
function answerClientErrors(server: Server): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    if (!socket.writable || (error.code === 'ECONNRESET' && !socket.readable)) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const requestId = randomUUID();
    const body = JSON.stringify({
      statusCode: status,
      code: tooLarge ? 'HEADERS_TOO_LARGE' : 'REQUEST_MALFORMED',
      message: tooLarge
        ? 'Địa chỉ hoặc phần đầu của yêu cầu quá dài'
        : 'Yêu cầu không đúng giao thức HTTP',
      requestId,
    });
    socket.end(
      `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}

export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('baocao-gateway')
    .setDescription(
      'Carries approved provincial reports of Quảng Ngãi to the Government Office report system and keeps a verifiable log.',
    )
    .setVersion(packageVersion)
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}
