import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { PUBLIC_KEY, ROLES_KEY, type Caller, type Role } from './roles.decorator';
import { TokenRefused, TokenVerifier } from './token-verifier.service';

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
      throw new UnauthorizedException(error.message);
    }
    const needed = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets) ?? [];
    if (needed.length && !needed.some((role) => caller.roles.includes(role))) {
      throw new ForbiddenException(
        `this needs the role ${needed.join(' or ')}; the token has ${caller.roles.join(', ') || 'none'}`,
      );
    }
    request.caller = caller;
    return true;
  }
}
