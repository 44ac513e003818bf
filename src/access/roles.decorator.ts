import { SetMetadata } from '@nestjs/common';

export type Role = 'operator' | 'auditor' | 'admin';
export const ROLES = ['operator', 'auditor', 'admin'] as const;

export const ROLES_KEY = 'access:roles';
export const PUBLIC_KEY = 'access:public';

/** Who may call: any of these roles. Every route not @Public() needs a valid token. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator =>
  SetMetadata(ROLES_KEY, roles);

/** Open to everyone, no token: health only. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

export interface Caller {
  subject: string;
  roles: Role[];
  name?: string;
}
