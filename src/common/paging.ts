import { GatewayError } from './gateway-error';

/** A page parameter (limit, after) the gateway refuses. */
export class PageError extends GatewayError {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The keyset paging of every list the API and the CLI give: `limit` from 1 to 1000 (100 by
 * default) and `after`, the last key of the page before (nextAfter): a UUID or a sequence number.
 */
export function parsePage(
  query: { limit?: unknown; after?: unknown },
  after: 'uuid' | 'seq',
): { limit: number; after: string | undefined } {
  const limit = query.limit === undefined || query.limit === '' ? 100 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new PageError(
      'invalid',
      'PAGE_LIMIT_INVALID',
      'limit phải là số nguyên từ 1 đến 1000',
      'limit',
    );
  const value = query.after;
  if (value === undefined || value === '') return { limit, after: undefined };
  const valid =
    typeof value === 'string' && (after === 'uuid' ? UUID.test(value) : /^\d{1,18}$/.test(value));
  if (!valid)
    throw new PageError(
      'invalid',
      'PAGE_AFTER_INVALID',
      after === 'uuid'
        ? 'after phải là mã (UUID) lấy từ nextAfter của trang trước'
        : 'after phải là số thứ tự sự kiện lấy từ nextAfter của trang trước',
      'after',
    );
  return { limit, after: value };
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
