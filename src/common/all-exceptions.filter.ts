import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { GatewayError, HTTP_STATUS_OF } from './gateway-error';
import { RemoteSystemError, type RemoteSystem } from './remote-system-error';

const SYSTEM_NAMES: Record<RemoteSystem, string> = {
  provincial: 'Hệ thống báo cáo tỉnh Quảng Ngãi',
  'provincial-sso': 'SSO Quảng Ngãi',
  national: 'Hệ thống báo cáo Chính phủ',
  'national-idp': 'Hệ thống định danh của Hệ thống báo cáo Chính phủ',
};

/** Nest's own refusals (no route, a body that is not JSON, a guard's answer) by status. */
/** What body-parser (http-errors) says of a body it could not take, by its `type`. */
const BODY_ERRORS: Record<string, { code: string; message: string }> = {
  'entity.too.large': {
    code: 'PAYLOAD_TOO_LARGE',
    message: 'Nội dung gửi lên quá lớn (server.bodyLimitBytes)',
  },
  'charset.unsupported': {
    code: 'CHARSET_UNSUPPORTED',
    message: 'Bảng mã của nội dung không được hỗ trợ: hãy gửi UTF-8',
  },
  'encoding.unsupported': {
    code: 'CONTENT_ENCODING_UNSUPPORTED',
    message:
      'Cách nén nội dung (Content-Encoding) không được hỗ trợ: gửi không nén, gzip hoặc deflate',
  },
  'entity.parse.failed': { code: 'BODY_INVALID', message: 'Nội dung gửi lên không đọc được' },
  'request.aborted': { code: 'REQUEST_ABORTED', message: 'Yêu cầu bị ngắt khi đang gửi nội dung' },
  'request.size.invalid': {
    code: 'BODY_LENGTH_MISMATCH',
    message: 'Độ dài nội dung không khớp Content-Length',
  },
};

const HTTP_CODES: Record<number, { code: string; message: string }> = {
  400: { code: 'BAD_REQUEST', message: 'Yêu cầu không hợp lệ' },
  401: { code: 'UNAUTHENTICATED', message: 'Cần đăng nhập: thiếu token hoặc token không hợp lệ' },
  403: { code: 'FORBIDDEN', message: 'Không đủ quyền cho thao tác này' },
  404: { code: 'ROUTE_NOT_FOUND', message: 'Không có đường dẫn này' },
  405: { code: 'METHOD_NOT_ALLOWED', message: 'Phương thức không được phép' },
  413: { code: 'PAYLOAD_TOO_LARGE', message: 'Nội dung gửi lên quá lớn' },
  415: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Kiểu nội dung không được hỗ trợ' },
  503: { code: 'NOT_READY', message: 'Cổng chưa sẵn sàng phục vụ' },
};

/** How an error answers: its status and the body's code, message and the rest. */
export interface ErrorAnswer {
  status: number;
  body: Record<string, unknown> & { code: string; message: string };
  /** Logged as the server's own failure (500), or as a remote system's (502). */
  log?: 'error' | 'remote';
}

/**
 * The one mapping of errors to answers. Every module's typed errors (GatewayError subclasses)
 * answer with the status of their kind, their stable code, a Vietnamese message and the parameter
 * at fault; a remote system's failure is a 502 naming the system; Nest's own HttpExceptions keep
 * their status with a code; anything else is a 500 that hides the stack. The API answers it as
 * JSON (below), the console as a page.
 */
export function answerOf(exception: unknown): ErrorAnswer {
  if (exception instanceof GatewayError)
    return {
      status: HTTP_STATUS_OF[exception.kind],
      body: exception.toBody() as ErrorAnswer['body'],
    };
  if (exception instanceof RemoteSystemError)
    return {
      status: 502,
      log: 'remote',
      body: {
        code: 'REMOTE_SYSTEM_FAILED',
        message: `${SYSTEM_NAMES[exception.system]} không trả lời được hoặc từ chối yêu cầu${exception.retryable ? '; có thể thử lại sau' : ''}`,
        details: {
          system: exception.system,
          status: exception.status,
          retryable: exception.retryable,
          cause: exception.message,
        },
      },
    };
  // Nest 12 hands a parser's refusal over wrapped in an HttpException, the parser's error as
  // its cause; Nest 11 handed it over as it was.
  const client =
    clientError(exception) ??
    (exception instanceof HttpException ? clientError(exception.cause) : undefined);
  if (client) return client;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    const known = HTTP_CODES[status] ?? { code: `HTTP_${status}`, message: 'Yêu cầu bị từ chối' };
    // Nest's own words go under `reason`; other fields of the body (a health check's report)
    // stay as they are.
    const { message: original, ...rest } =
      typeof body === 'string' ? { message: body } : (body as Record<string, unknown>);
    // Nest's English name of the status ("Not Found") says nothing the code does not.
    if (typeof rest.error === 'string') delete rest.error;
    return {
      status,
      body: {
        ...rest,
        code: known.code,
        message: known.message,
        ...(original !== undefined ? { reason: original } : {}),
      },
    };
  }
  return {
    status: 500,
    log: 'error',
    body: {
      code: 'INTERNAL_ERROR',
      message: 'Lỗi nội bộ của cổng; hãy báo mã yêu cầu (requestId) cho bộ phận hỗ trợ',
    },
  };
}

/**
 * A body the parsers refused before any route ran (too large, a charset or an encoding not
 * supported, a gzip that is not, a body cut short): http-errors with a 4xx status and a `type`.
 */
function clientError(exception: unknown): ErrorAnswer | undefined {
  if (exception instanceof HttpException || typeof exception !== 'object' || exception === null)
    return undefined;
  const { status, statusCode, type, message } = exception as {
    status?: unknown;
    statusCode?: unknown;
    type?: unknown;
    message?: unknown;
  };
  const code = typeof status === 'number' ? status : statusCode;
  if (typeof code !== 'number' || code < 400 || code > 499) return undefined;
  // A 400 of the parsers without a known type is a body they could not read (a gzip that is not).
  const known = (typeof type === 'string' ? BODY_ERRORS[type] : undefined) ??
    (code === 400 ? BODY_ERRORS['entity.parse.failed'] : undefined) ??
    HTTP_CODES[code] ?? { code: `HTTP_${code}`, message: 'Yêu cầu bị từ chối' };
  return {
    status: code,
    body: { ...known, ...(typeof message === 'string' ? { reason: message } : {}) },
  };
}

/**
 * The request id pino-http gave the request (also in the x-request-id header); one is made here
 * for a request refused before pino-http saw it (a body the parsers refused).
 */
export function requestIdOf(request: Request & { id?: unknown }, response: Response): string {
  const id = request.id ?? response.getHeader('x-request-id');
  if (typeof id === 'string' || typeof id === 'number') return String(id);
  const made = randomUUID();
  request.id = made;
  if (!response.headersSent) response.setHeader('x-request-id', made);
  return made;
}

/** The one exception filter of the API: answerOf as JSON, with the request id in every body. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request & { id?: string }>();
    const requestId = requestIdOf(request, response);
    const { status, body, log } = answerOf(exception);
    if (log === 'remote')
      this.logger.warn({ err: exception, requestId, path: request.path }, 'remote system failed');
    if (log === 'error')
      this.logger.error({ err: exception, requestId, path: request.path }, 'unhandled error');
    response.status(status).json({ statusCode: status, ...body, requestId });
  }
}
