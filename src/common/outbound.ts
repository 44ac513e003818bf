import { readFileSync } from 'node:fs';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import type { AxiosAdapter } from 'axios';
import { Agent, ProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';
import type { AppConfig } from '../config/app-config';
import { projectRoot } from '../config/project-root';
import { undiciAdapter } from './undici-adapter';

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

  /** fetch for openid-client (`[customFetch]`), through the same CA bundle and proxy. */
  readonly fetch: OutboundFetch = async (url, init) => {
    const dispatcher = this.dispatcherFor(new URL(url));
    const options = { ...init, dispatcher } as Parameters<typeof undiciFetch>[1];
    return undiciFetch(url, options);
  };

  async close(): Promise<void> {
    await Promise.all(
      [...new Set([this.dispatcher, this.directDispatcher])].map((pool) => pool.close()),
    );
  }
}
