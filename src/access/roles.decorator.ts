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

/** A person limited to one district (and the units under it) or one unit, by an SSO claim. */
export interface UnitScope {
  kind: 'district' | 'unit';
  code: string;
}

export interface Caller {
  subject: string;
  roles: Role[];
  name?: string;
  /** Absent: the whole province. */
  scope?: UnitScope;
}
