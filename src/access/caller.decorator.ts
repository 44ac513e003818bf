import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Caller } from './roles.decorator';

/** The person (or service) the request's token names, set by AccessGuard. */
export const CurrentCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Caller => {
    return context.switchToHttp().getRequest<{ caller: Caller }>().caller;
  },
);
