import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { GatewayError } from '../common/gateway-error';
import { PUBLIC_KEY, ROLES_KEY, type Caller, type Role } from './roles.decorator';
import { TokenRefused, TokenVerifier } from './token-verifier.service';

/** A caller the gateway does not let in. */
export class AccessError extends GatewayError {}

/** Every route needs a valid token unless @Public(); @Roles() narrows who. 401 and 403 as RFC 6750 says. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const response = context.switchToHttp().getResponse<Response>();
    let caller: Caller;
    try {
      caller = await this.verifier.verify(request.headers.authorization);
    } catch (error) {
      if (!(error instanceof TokenRefused)) throw error;
      response.setHeader(
        'WWW-Authenticate',
        `Bearer error="invalid_token", error_description="${error.message.replace(/"/g, "'")}"`,
      );
      throw new AccessError(
        'unauthenticated',
        'TOKEN_REFUSED',
        'Cần token hợp lệ của SSO Quảng Ngãi (Authorization: Bearer …)',
        undefined,
        { reason: error.message },
      );
    }
    const needed = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets) ?? [];
    if (needed.length && !needed.some((role) => caller.roles.includes(role))) {
      throw new AccessError(
        'forbidden',
        'ROLE_REQUIRED',
        `Thao tác này cần vai trò ${needed.join(' hoặc ')}; token có: ${caller.roles.join(', ') || 'không có vai trò nào'}`,
        undefined,
        { needed, roles: caller.roles },
      );
    }
    request.caller = caller;
    return true;
  }
}
