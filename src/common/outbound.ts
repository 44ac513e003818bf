import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { Agent, ProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';
import type { AppConfig } from '../config/app-config';
import { projectRoot } from '../config/project-root';

/** A fetch as openid-client calls it: (url, init) → Response. */
export type OutboundFetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * How the gateway reaches the outside world: the public roots plus a configured CA bundle (the
 * province's or the Government's own CA), and an HTTPS proxy where the network requires one.
 * One transport for axios (the report APIs) and for openid-client's fetch (the identity
 * providers), so both honour the same settings.
 */
export class Outbound {
  readonly httpsAgent: https.Agent;
  private readonly dispatcher: Dispatcher;
  private readonly bypass: string[];

  constructor(options: { caPem?: string | null; httpsProxy?: string | null; noProxy?: string[] }) {
    const ca = options.caPem ? [...rootCertificates, options.caPem] : undefined;
    this.bypass = (options.noProxy ?? []).map((host) => host.trim().toLowerCase()).filter(Boolean);
    this.httpsAgent = options.httpsProxy
      ? new TrustingProxyAgent(options.httpsProxy, ca)
      : new https.Agent({ ca, keepAlive: true });
    this.direct = new https.Agent({ ca, keepAlive: true });
    this.dispatcher = options.httpsProxy
      ? new ProxyAgent({ uri: options.httpsProxy, requestTls: { ca } })
      : new Agent({ connect: { ca } });
    this.directDispatcher = new Agent({ connect: { ca } });
  }

  private readonly direct: https.Agent;
  private readonly directDispatcher: Dispatcher;

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

  /** The agent for an https URL (axios `httpsAgent`). */
  agentFor(url: URL): https.Agent {
    return this.bypasses(url.hostname) ? this.direct : this.httpsAgent;
  }

  /** fetch for openid-client (`[customFetch]`), through the same CA bundle and proxy. */
  readonly fetch: OutboundFetch = async (url, init) => {
    const target = new URL(url);
    const dispatcher =
      target.protocol === 'https:' && !this.bypasses(target.hostname)
        ? this.dispatcher
        : this.directDispatcher;
    const options = { ...init, dispatcher } as Parameters<typeof undiciFetch>[1];
    return undiciFetch(url, options);
  };

  async close(): Promise<void> {
    this.httpsAgent.destroy();
    this.direct.destroy();
    await Promise.all([this.dispatcher.close(), this.directDispatcher.close()]);
  }
}

/**
 * https-proxy-agent takes the TLS options for the far server from each request, and axios sends
 * none: the CA bundle is added here to every tunnelled connection.
 */
class TrustingProxyAgent extends HttpsProxyAgent<string> {
  constructor(
    proxy: string,
    private readonly ca: string[] | undefined,
  ) {
    super(proxy, { keepAlive: true });
  }

  override connect(
    request: Parameters<HttpsProxyAgent<string>['connect']>[0],
    options: Parameters<HttpsProxyAgent<string>['connect']>[1],
  ): ReturnType<HttpsProxyAgent<string>['connect']> {
    return super.connect(
      request,
      this.ca ? ({ ...options, ca: this.ca } as typeof options) : options,
    );
  }
}
