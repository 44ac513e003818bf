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

/**
 * The one exception filter. Every module's typed errors (GatewayError subclasses) answer with the
 * status of their kind, their stable code, a Vietnamese message and the parameter at fault; a
 * remote system's failure is a 502 naming the system; Nest's own HttpExceptions keep their status
 * with a code; anything else is a 500 that hides the stack. Every body carries the request id.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request & { id?: string }>();
    const requestId = String(request.id ?? response.getHeader('x-request-id') ?? '');
    const answer = (status: number, body: Record<string, unknown>) =>
      void response.status(status).json({ statusCode: status, ...body, requestId });
    if (exception instanceof GatewayError) {
      answer(HTTP_STATUS_OF[exception.kind], exception.toBody());
      return;
    }
    if (exception instanceof RemoteSystemError) {
      this.logger.warn({ err: exception, requestId, path: request.path }, 'remote system failed');
      answer(502, {
        code: 'REMOTE_SYSTEM_FAILED',
        message: `${SYSTEM_NAMES[exception.system]} không trả lời được hoặc từ chối yêu cầu${exception.retryable ? '; có thể thử lại sau' : ''}`,
        details: {
          system: exception.system,
          status: exception.status,
          retryable: exception.retryable,
          cause: exception.message,
        },
      });
      return;
    }
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
      answer(status, {
        ...rest,
        code: known.code,
        message: known.message,
        ...(original !== undefined ? { reason: original } : {}),
      });
      return;
    }
    this.logger.error({ err: exception, requestId, path: request.path }, 'unhandled error');
    answer(500, {
      code: 'INTERNAL_ERROR',
      message: 'Lỗi nội bộ của cổng; hãy báo mã yêu cầu (requestId) cho bộ phận hỗ trợ',
    });
  }
}
