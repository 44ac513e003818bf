import {
  Controller,
  Get,
  HttpCode,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../access/roles.decorator';
import { type AppConfig, InjectConfig } from '../config/app-config';
import { html } from './html';
import { page } from './layout';
import {
  ConsoleErrorFilter,
  ConsoleGuard,
  Open,
  Person,
  setSessionCookie,
  type ConsoleRequest,
} from './console-http';
import {
  ConsoleSessions,
  safeReturn,
  sessionEndMessage,
  type ConsolePerson,
} from './console-sessions';

/** Sign-in with SSO Quảng Ngãi, its callback, sign-out. */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleErrorFilter)
@Controller('auth')
export class ConsoleAuthController {
  constructor(
    private readonly sessions: ConsoleSessions,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  @Get('login')
  @Open()
  login(@Query('returnTo') returnTo?: string, @Query('ended') ended?: string) {
    const target = `/auth/start?returnTo=${encodeURIComponent(safeReturn(returnTo))}`;
    const message = sessionEndMessage(ended);
    return page(
      {
        title: 'Đăng nhập',
        ...(message ? { notice: { kind: 'ok' as const, text: message } } : {}),
      },
      html`<p>
          Bảng điều khiển của cổng chuyển báo cáo dành cho cán bộ vận hành, thanh tra và quản trị.
          Đăng nhập bằng tài khoản thư công vụ qua SSO Quảng Ngãi.
        </p>
        <p><a class="button" href="${target}">Đăng nhập bằng SSO Quảng Ngãi</a></p>`,
    ).markup;
  }

  @Get('start')
  @Open()
  async start(@Query('returnTo') returnTo: string | undefined, @Res() response: Response) {
    response.redirect(303, await this.sessions.beginSignIn(safeReturn(returnTo)));
  }

  @Get('callback')
  @Open()
  async callback(@Req() request: ConsoleRequest, @Res() response: Response) {
    const url = new URL(request.originalUrl, this.config.console.redirectUri ?? 'http://127.0.0.1');
    const signedIn = await this.sessions.completeSignIn(url);
    setSessionCookie(this.config, request, response, signedIn.token);
    response.redirect(303, signedIn.returnTo);
  }

  @Post('logout')
  @HttpCode(303)
  async logout(
    @Person() person: ConsolePerson,
    @Req() request: ConsoleRequest,
    @Res() response: Response,
  ) {
    const back = new URL(
      '/auth/signed-out',
      this.config.console.redirectUri ?? `${request.protocol}://${request.get('host')}`,
    );
    const next = await this.sessions.signOut(person, back.toString());
    setSessionCookie(this.config, request, response, null);
    response.redirect(303, next);
  }

  @Get('signed-out')
  @Open()
  signedOut() {
    return page(
      {
        title: 'Đã đăng xuất',
        notice: { kind: 'ok', text: 'Bạn đã đăng xuất khỏi bảng điều khiển.' },
      },
      html`<p><a class="button" href="/auth/start?returnTo=%2F">Đăng nhập lại</a></p>`,
    ).markup;
  }
}
