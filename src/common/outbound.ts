import { readFileSync } from 'node:fs';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import type { AxiosAdapter } from 'axios';
import { Agent, ProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';
import type { AppConfig } from '../config/app-config';
import { projectRoot } from '../config/project-root';
import { decoded, send, undiciAdapter } from './undici-adapter';

/** A fetch as openid-client calls it: (url, init) → Response. */
export type OutboundFetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * How the gateway reaches the outside world: the public roots plus a configured CA bundle (the
 * province's or the Government's own CA), and an HTTPS proxy where the network requires one.
 * One transport, undici's keep-alive pools, for axios (the report APIs, through `adapter`) and
 * for openid-client's fetch (the identity providers), so both honour the same settings and share
 * connections.
 */
export class Outbound {
  /** axios's adapter (the clients' `adapter`): their requests on this transport. */
  readonly adapter: AxiosAdapter;
  private readonly dispatcher: Dispatcher;
  private readonly directDispatcher: Dispatcher;
  private readonly bypass: string[];

  constructor(options: { caPem?: string | null; httpsProxy?: string | null; noProxy?: string[] }) {
    const ca = options.caPem ? [...rootCertificates, options.caPem] : undefined;
    this.bypass = (options.noProxy ?? []).map((host) => host.trim().toLowerCase()).filter(Boolean);
    this.directDispatcher = new Agent({ connect: { ca } });
    this.dispatcher = options.httpsProxy
      ? new ProxyAgent({ uri: options.httpsProxy, requestTls: { ca } })
      : this.directDispatcher;
    this.adapter = undiciAdapter((url) => this.dispatcherFor(url));
  }

  static fromConfig(config: AppConfig): Outbound {
    const { caFile, httpsProxy, noProxy } = config.outbound;
    let caPem: string | null = null;
    if (caFile) {
      try {
        caPem = readFileSync(path.resolve(projectRoot, caFile), 'utf8');
      } catch (error) {
        throw new Error(`outbound.caFile ${caFile} cannot be read: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    return new Outbound({ caPem, httpsProxy, noProxy });
  }

  /** Whether a host is reached without the proxy (NO_PROXY: exact hosts or .domain suffixes). */
  bypasses(host: string): boolean {
    const name = host.toLowerCase();
    return this.bypass.some(
      (entry) => entry === '*' || name === entry || (entry.startsWith('.') && name.endsWith(entry)),
    );
  }

  /** The pool for a URL: through the proxy for https hosts it does not bypass, else direct. */
  dispatcherFor(url: URL): Dispatcher {
    return url.protocol === 'https:' && !this.bypasses(url.hostname)
      ? this.dispatcher
      : this.directDispatcher;
  }

  /**
   * fetch for openid-client (`[customFetch]`) and the webhook, through the same CA bundle and
   * proxy. A request that follows no redirect (openid-client's are all `redirect: 'manual'`) with
   * a text, form or byte body goes as one exchange on the pool (the axios adapter's `send`), its
   * answer read whole into a Response; anything else through undici's fetch. A token request cost the gateway about
   * 0.7 ms of CPU through fetch, most of it fetch's own streams and headers (docs/performance.md).
   */
  readonly fetch: OutboundFetch = async (url, init) => {
    const target = new URL(url);
    const dispatcher = this.dispatcherFor(target);
    const body = plainBody(init.body);
    if (init.redirect !== 'manual' || body === NOT_PLAIN) {
      const options = { ...init, dispatcher } as Parameters<typeof undiciFetch>[1];
      return undiciFetch(url, options);
    }
    const headers = new Headers(init.headers);
    if (body !== undefined && !headers.has('content-type'))
      headers.set(
        'content-type',
        init.body instanceof URLSearchParams
          ? 'application/x-www-form-urlencoded;charset=UTF-8'
          : 'text/plain;charset=UTF-8',
      );
    const {
      status,
      headers: given,
      raw,
    } = await send(
      dispatcher,
      {
        origin: target.origin,
        path: target.pathname + target.search,
        method: (init.method ?? 'GET').toUpperCase(),
        headers: Object.fromEntries(headers),
        body,
      },
      0,
      init.signal ?? undefined,
    );
    const received = new Headers();
    for (const [name, value] of Object.entries(given))
      for (const one of Array.isArray(value) ? value : [value ?? '']) received.append(name, one);
    // As fetch: the body decoded, and none for the statuses that have none.
    return new Response(
      NO_BODY.has(status) ? null : decoded(raw, received.get('content-encoding')),
      { status, headers: received },
    );
  };

  async close(): Promise<void> {
    await Promise.all(
      [...new Set([this.dispatcher, this.directDispatcher])].map((pool) => pool.close()),
    );
  }
}

const NO_BODY = new Set([101, 103, 204, 205, 304]);
const NOT_PLAIN = Symbol('not plain');

/** A fetch body as one exchange sends it: text or bytes, or NOT_PLAIN for a stream or a form. */
function plainBody(body: RequestInit['body']): string | Buffer | undefined | typeof NOT_PLAIN {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return NOT_PLAIN;
}
