import { RemoteSystemError, type RemoteSystem } from './remote-system-error';

const LOOPBACK = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);

/**
 * Outbound addresses must be https; plain http only to a loopback address, and only where the
 * configuration allows it (demo mode, tests). Checked before anything is sent.
 */
export function checkOutboundUrl(
  system: RemoteSystem,
  url: string,
  allowPlainHttpLoopback: boolean,
): URL {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:' && allowPlainHttpLoopback && LOOPBACK.has(parsed.hostname))
    return parsed;
  throw new RemoteSystemError(
    system,
    null,
    false,
    `${system}: từ chối ${parsed.protocol}//${parsed.host}: chỉ cho phép https${allowPlainHttpLoopback ? ', hoặc http tới loopback' : ''}`,
    { code: 'OUTBOUND_NOT_HTTPS' },
  );
}
