import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';
import { securityHeaders } from './console/console-http';
import { packageVersion } from './database/package-version';

/** Builds the HTTP application the same way for `npm start`, production and the tests. */
export async function createGateway(options: AppModuleOptions): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(options), {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.use(securityHeaders(options.config));
  app.flushLogs();
  const document = openApiDocument(app);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/openapi.json' });
  return app;
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
