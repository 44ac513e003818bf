import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Outbound } from '../src/common/outbound';
import { RemoteSystemError } from '../src/common/remote-system-error';
import { loadConfig } from '../src/config/load-config';
import { ProvincialClient } from '../src/provincial/provincial.client';
import { createCertificateAuthority, issueCertificate } from '../src/simulators/demo-pki';

/**
 * Outbound HTTPS honours a configured CA bundle and HTTPS proxy, for openid-client's fetch (the
 * SSO's discovery and token requests) and axios (the report API) alike. The far side is an HTTPS
 * server with a certificate from a CA made here; the proxy is a CONNECT proxy that counts tunnels.
 */
describe('outbound HTTPS: CA bundle and proxy', () => {
  let server: https.Server;
  let proxy: http.Server;
  let base: string;
  let caFile: string;
  let proxyUrl: string;
  const tunnels: string[] = [];
  const sockets = new Set<net.Socket>();
  const proxiedPorts = new Set<number>();
  const served: Array<{ path: string; viaProxy: boolean }> = [];

  beforeAll(async () => {
    const authority = await createCertificateAuthority('outbound test CA');
    const leaf = await issueCertificate(
      authority,
      { commonName: '127.0.0.1', organisation: 'outbound test' },
      {},
      ['127.0.0.1', 'localhost'],
    );
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-outbound-'));
    caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, authority.certificatePem);

    server = https.createServer(
      { key: leaf.privateKeyPem, cert: leaf.certificatePem },
      (request, response) => {
        served.push({
          path: request.url ?? '',
          viaProxy: proxiedPorts.has(request.socket.remotePort ?? -1),
        });
        response.setHeader('content-type', 'application/json');
        if (request.url === '/.well-known/openid-configuration') {
          response.end(
            JSON.stringify({
              issuer: base,
              token_endpoint: `${base}/token`,
              jwks_uri: `${base}/jwks`,
              response_types_supported: ['code'],
            }),
          );
        } else if (request.url === '/token' && request.method === 'POST') {
          request.resume();
          response.end(
            JSON.stringify({
              access_token: 'outbound-token',
              token_type: 'Bearer',
              expires_in: 300,
            }),
          );
        } else if (request.url?.startsWith('/api/sectors')) {
          response.end(JSON.stringify({ items: [{ MALINHVUC: 'G01', TENLINHVUC: 'Tư pháp' }] }));
        } else {
          response.statusCode = 404;
          response.end('{}');
        }
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

    proxy = http.createServer((_request, response) => response.writeHead(405).end());
    proxy.on('connect', (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      tunnels.push(request.url ?? '');
      sockets.add(client);
      const [host, port] = (request.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        proxiedPorts.add(upstream.localPort ?? -1);
        sockets.add(upstream);
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    server.closeAllConnections();
    proxy.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await new Promise((resolve) => proxy.close(resolve));
  });

  beforeEach(() => {
    tunnels.length = 0;
    served.length = 0;
  });

  const clientWith = (env: Record<string, string>) =>
    new ProvincialClient(
      loadConfig({
        env: {
          PROVINCIAL_BASE_URL: `${base}/api`,
          PROVINCIAL_SSO_ISSUER: base,
          PROVINCIAL_CLIENT_ID: 'baocao-gateway',
          PROVINCIAL_CLIENT_SECRET: 'outbound-test-secret',
          NATIONAL_BASE_URL: `${base}/national`,
          NATIONAL_IDP_ISSUER: base,
          AUDIT_SIGNING_KEY_FILE: '/nonexistent/only-checked-when-used.pem',
          VAULT_KEY_FILE: '/nonexistent/only-checked-when-used.key',
          ...env,
        },
      }),
    );

  it('refuses a server whose CA is not trusted, as an error of the remote system', async () => {
    const error = await clientWith({})
      .sectors()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RemoteSystemError);
    expect(served).toEqual([]);
  });

  it('trusts the configured CA bundle for the SSO (openid-client) and the API (axios)', async () => {
    const sectors = await clientWith({ OUTBOUND_CA_FILE: caFile }).sectors();
    expect(sectors).toEqual([{ MALINHVUC: 'G01', TENLINHVUC: 'Tư pháp' }]);
    expect(served.map((request) => request.path)).toEqual([
      '/.well-known/openid-configuration',
      '/token',
      '/api/sectors',
    ]);
    expect(tunnels).toEqual([]);
  });

  it('goes through the HTTPS proxy, for both libraries', async () => {
    const sectors = await clientWith({ OUTBOUND_CA_FILE: caFile, HTTPS_PROXY: proxyUrl }).sectors();
    expect(sectors).toHaveLength(1);
    expect(served).toHaveLength(3);
    expect(served.every((request) => request.viaProxy)).toBe(true);
    expect(tunnels.length).toBeGreaterThanOrEqual(2);
    expect(new Set(tunnels)).toEqual(new Set([base.replace('https://', '')]));
  });

  it('reaches NO_PROXY hosts directly', async () => {
    await clientWith({
      OUTBOUND_CA_FILE: caFile,
      HTTPS_PROXY: proxyUrl,
      NO_PROXY: 'localhost,127.0.0.1',
    }).sectors();
    expect(served).toHaveLength(3);
    expect(served.some((request) => request.viaProxy)).toBe(false);
    expect(tunnels).toEqual([]);
  });
});

/**
 * Outbound.fetch as openid-client and the webhook call it: a request that follows no redirect
 * goes as one exchange on the pool and answers as fetch would (body decoded, no body where the
 * status has none, every header); anything else goes through undici's fetch.
 */
describe('Outbound.fetch', () => {
  let server: http.Server;
  let base: string;
  const seen: Array<{ method?: string; url?: string; type?: string; body: string }> = [];
  const outbound = new Outbound({});

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({
          method: request.method,
          url: request.url,
          type: request.headers['content-type'],
          body,
        });
        if (request.url === '/moved') {
          response.writeHead(302, { location: '/json' }).end();
        } else if (request.url === '/json') {
          response.setHeader('set-cookie', ['a=1', 'b=2']);
          response.setHeader('content-type', 'application/json');
          response.setHeader('content-encoding', 'gzip');
          response.end(gzipSync(JSON.stringify({ ok: 'đã nhận' })));
        } else if (request.url === '/empty') {
          response.writeHead(204).end();
        } else if (request.url === '/slow') {
          const late = setTimeout(() => response.end('late'), 2_000);
          response.on('close', () => clearTimeout(late));
        } else {
          response.writeHead(404).end('không có');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await outbound.close();
  });

  beforeEach(() => (seen.length = 0));

  it('does not follow a redirect asked not to, and answers it as it came', async () => {
    const response = await outbound.fetch(`${base}/moved`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/json');
    expect(seen.map((request) => request.url)).toEqual(['/moved']);
  });

  it('sends a form as a form, and decodes a compressed answer with all its headers', async () => {
    const response = await outbound.fetch(`${base}/json`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'bao cao' }),
    });
    expect(response).toBeInstanceOf(Response);
    expect(await response.clone().json()).toEqual({ ok: 'đã nhận' });
    expect(await response.text()).toBe('{"ok":"đã nhận"}');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/json',
        type: 'application/x-www-form-urlencoded;charset=UTF-8',
        body: 'grant_type=client_credentials&scope=bao+cao',
      },
    ]);
  });

  it('keeps a content type given, and answers no body where the status has none', async () => {
    const response = await outbound.fetch(`${base}/empty`, {
      method: 'PUT',
      redirect: 'manual',
      headers: { 'content-type': 'application/json' },
      body: new TextEncoder().encode('{"a":1}'),
    });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    expect(seen).toEqual([
      { method: 'PUT', url: '/empty', type: 'application/json', body: '{"a":1}' },
    ]);
  });

  it('stops when its signal does', async () => {
    const started = Date.now();
    const error = await outbound
      .fetch(`${base}/slow`, { redirect: 'manual', signal: AbortSignal.timeout(100) })
      .catch((caught: unknown) => caught);
    // As fetch does: the signal's reason.
    expect((error as { name?: string }).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('sends nothing when its signal was aborted before, and rejects with its reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('đã hủy'));
    await expect(
      outbound.fetch(`${base}/empty`, {
        method: 'PUT',
        redirect: 'manual',
        signal: controller.signal,
      }),
    ).rejects.toThrow('đã hủy');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toEqual([]);
  });

  it('follows redirects, and sends streams, through undici fetch', async () => {
    const followed = await outbound.fetch(`${base}/moved`, {});
    expect(followed.status).toBe(200);
    expect(await followed.json()).toEqual({ ok: 'đã nhận' });
    const streamed = await outbound.fetch(`${base}/none`, {
      method: 'POST',
      redirect: 'manual',
      body: new Blob(['từng phần']).stream(),
      duplex: 'half',
    });
    expect(streamed.status).toBe(404);
    expect(await streamed.text()).toBe('không có');
    expect(seen.map((request) => [request.url, request.body])).toEqual([
      ['/moved', ''],
      ['/json', ''],
      ['/none', 'từng phần'],
    ]);
  });
});
