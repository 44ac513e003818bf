import type { NextFunction, Request, Response } from 'express';
import type { AppConfig } from '../config/app-config';

/**
 * Headers on every answer: no sniffing, no framing, a strict referrer policy; and a
 * Content-Security-Policy with no inline script (the API description page keeps its own
 * scripts, so it gets the framing rule only).
 */
export function securityHeaders(config: AppConfig) {
  const sso = config.access.issuer ?? config.provincial.ssoIssuer;
  const ssoOrigin = sso ? new URL(sso).origin : '';
  const policy = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    // Sign-out posts to the console, which sends the browser on to the SSO's sign-out.
    `form-action 'self'${ssoOrigin ? ` ${ssoOrigin}` : ''}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return (request: Request, response: Response, next: NextFunction): void => {
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('Referrer-Policy', 'same-origin');
    response.setHeader(
      'Content-Security-Policy',
      request.path.startsWith('/api/docs') ? "frame-ancestors 'none'" : policy,
    );
    next();
  };
}
