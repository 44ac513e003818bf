import { timingSafeEqual } from 'node:crypto';
import {
  ArgumentsHost,
  Catch,
  CanActivate,
  ExceptionFilter,
  ExecutionContext,
  Injectable,
  Logger,
  SetMetadata,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ROLES_KEY, type Role } from '../access/roles.decorator';
import { answerOf, requestIdOf } from '../common/all-exceptions.filter';
import type { AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/app-config';
import { html } from './html';
import { page } from './layout';
import { ConsoleError, ConsoleSessions, type ConsolePerson } from './console-sessions';
import { ROLE_WORDS } from './words';

export type ConsoleRequest = Request & { person?: ConsolePerson; id?: unknown };

/** Console routes that need no session: sign-in, its callback, the signed-out page, assets. */
export const CONSOLE_OPEN = 'console:open';
export const Open = (): MethodDecorator & ClassDecorator => SetMetadata(CONSOLE_OPEN, true);

/** The signed-in person of a console request (set by ConsoleGuard). */
export const Person = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ConsolePerson =>
    context.switchToHttp().getRequest<ConsoleRequest>().person!,
);

/** A console answer that is a redirect (the guard's way to send someone to sign in). */
export class ConsoleRedirect extends Error {
  constructor(readonly location: string) {
    super(location);
  }
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/;

/** Secure cookies, as console.secureCookies says (auto: except on a loopback address). */
export function secureCookies(config: AppConfig, request: Request): boolean {
  const setting = config.console.secureCookies;
  if (setting !== 'auto') return setting === 'always';
  return !LOOPBACK.test(request.hostname);
}

const COOKIE = 'baocao_session';
/** A Secure cookie takes the __Host- prefix: only this host, path /, never over plain HTTP. */
const SECURE_COOKIE = '__Host-baocao_session';

export function sessionToken(request: Request): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SECURE_COOKIE || name === COOKIE) return value.join('=');
  }
  return undefined;
}

export function setSessionCookie(
  config: AppConfig,
  request: Request,
  response: Response,
  token: string | null,
): void {
  const secure = secureCookies(config, request);
  const name = secure ? SECURE_COOKIE : COOKIE;
  const attributes = `Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  response.append(
    'Set-Cookie',
    token === null
      ? `${name}=; ${attributes}; Max-Age=0`
      : // A browser-session cookie: the server ends the session on idle and at its maximum.
        `${name}=${token}; ${attributes}`,
  );
}

function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Every console route: a session (else to the sign-in, or a 401 for a form), the roles the route
 * names (checked on the server whatever the page showed), and for anything that changes
 * something the session's CSRF token and a same-origin Origin.
 */
@Injectable()
export class ConsoleGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: ConsoleSessions,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(CONSOLE_OPEN, targets)) return true;
    const request = context.switchToHttp().getRequest<ConsoleRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    const token = sessionToken(request);
    const lookup = await this.sessions.lookup(token);
    const reading = request.method === 'GET' || request.method === 'HEAD';
    if (!lookup.person) {
      if (token) setSessionCookie(this.config, request, response, null);
      if (reading)
        throw new ConsoleRedirect(
          `/auth/login?returnTo=${encodeURIComponent(request.originalUrl)}${lookup.ended ? `&ended=${lookup.ended}` : ''}`,
        );
      throw new ConsoleError(
        'unauthenticated',
        'CONSOLE_SIGN_IN_REQUIRED',
        'Phiên làm việc đã kết thúc: hãy đăng nhập lại rồi làm lại thao tác này',
      );
    }
    request.person = lookup.person;
    const needed = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets) ?? [];
    if (needed.length && !needed.some((role) => lookup.person.roles.includes(role)))
      throw new ConsoleError(
        'forbidden',
        'ROLE_REQUIRED',
        `Việc này cần vai trò ${needed.map((role) => ROLE_WORDS[role]).join(' hoặc ')}; bạn có: ${lookup.person.roles.map((role) => ROLE_WORDS[role]).join(', ')}`,
      );
    if (!reading) {
      const origin = request.headers.origin;
      // The console's own origin: as configured (behind a TLS proxy), or as the request came.
      const own = [
        `${request.protocol}://${request.get('host')}`,
        ...(this.config.console.redirectUri
          ? [new URL(this.config.console.redirectUri).origin]
          : []),
      ];
      if (origin && !own.includes(origin))
        throw new ConsoleError(
          'forbidden',
          'CSRF_ORIGIN_REFUSED',
          `Yêu cầu đến từ trang khác (${origin}): cổng không thực hiện`,
        );
      const body = request.body as Record<string, unknown> | undefined;
      if (!sameToken(body?._csrf, lookup.person.csrfToken))
        throw new ConsoleError(
          'forbidden',
          'CSRF_TOKEN_INVALID',
          'Biểu mẫu thiếu mã chống giả mạo hoặc mã đã cũ: hãy tải lại trang rồi làm lại',
          '_csrf',
        );
    }
    return true;
  }
}

/**
 * The console's answers to errors: the same codes and messages as the API (answerOf), as a page
 * in Vietnamese with the request id; a redirect stays a redirect.
 */
@Catch()
export class ConsoleErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Console');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<ConsoleRequest>();
    if (exception instanceof ConsoleRedirect) {
      response.redirect(303, exception.location);
      return;
    }
    const requestId = requestIdOf(request, response);
    const { status, body, log } = answerOf(exception);
    if (log === 'error')
      this.logger.error({ err: exception, requestId, path: request.path }, 'console page failed');
    if (log === 'remote')
      this.logger.warn({ err: exception, requestId, path: request.path }, 'remote system failed');
    const signIn =
      body.code === 'CONSOLE_SIGN_IN_REQUIRED' ||
      body.code === 'SIGN_IN_STATE_UNKNOWN' ||
      body.code === 'SSO_SIGN_IN_FAILED';
    response
      .status(status)
      .type('html')
      .send(
        page(
          {
            title: status === 404 ? 'Không tìm thấy' : 'Không thực hiện được',
            person: request.person,
            notice: { kind: 'error', text: body.message, code: body.code },
          },
          html`<p>Mã yêu cầu: <code>${requestId}</code>. Khi cần hỗ trợ, hãy gửi kèm mã này.</p>
            ${signIn ? html`<p><a class="button" href="/auth/login">Đăng nhập</a></p>` : html`<p><a href="/">Về bảng theo kỳ</a></p>`}`,
        ).markup,
      );
  }
}
