import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import axios, { AxiosError, CanceledError, type AxiosInstance } from 'axios';
import fc from 'fast-check';
import { Agent } from 'undici';
import { undiciAdapter } from './undici-adapter';

/**
 * The adapter under the clients' axios, against a real HTTP server on 127.0.0.1: what axios's own
 * http adapter gave the clients (URL, body, answers, errors and their codes) holds on undici.
 */
describe('undiciAdapter', () => {
  let server: http.Server;
  let base: string;
  const connections = new Set<net.Socket>();
  let opened = 0;
  const asked: string[] = [];
  const pool = new Agent();
  let client: AxiosInstance;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        asked.push(request.url ?? '');
        const url = new URL(request.url ?? '/', 'http://local');
        const body = Buffer.concat(chunks).toString('utf8');
        const send = (status: number, value: unknown, headers: Record<string, string> = {}) => {
          response.writeHead(status, { 'content-type': 'application/json', ...headers });
          response.end(JSON.stringify(value));
        };
        switch (url.pathname) {
          case '/api/echo':
            return send(200, {
              method: request.method,
              url: request.url,
              body,
              headers: request.headers,
            });
          case '/api/refused':
            return send(
              422,
              { error: 'content', errors: [{ field: 'x', message: 'sai' }] },
              {
                'retry-after': '7',
              },
            );
          case '/api/broken':
            return send(503, { message: 'bảo trì' });
          case '/api/moved':
            response.writeHead(302, { location: '/api/echo' });
            return response.end();
          case '/api/gzip':
            response.writeHead(200, {
              'content-type': 'application/json',
              'content-encoding': 'gzip',
            });
            return response.end(gzipSync(JSON.stringify({ packed: 'Quảng Ngãi' })));
          case '/api/text':
            response.writeHead(200, { 'content-type': 'text/plain' });
            return response.end('không phải JSON');
          case '/api/silent':
            return; // never answers
          case '/api/hang-up':
            return request.socket.destroy();
          default:
            return send(404, {});
        }
      });
    });
    server.on('connection', (socket: net.Socket) => {
      opened++;
      connections.add(socket);
      socket.on('close', () => connections.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = axios.create({
      baseURL: `${base}/api`,
      timeout: 2_000,
      maxRedirects: 0,
      adapter: undiciAdapter(() => pool),
    });
  });

  afterAll(async () => {
    await pool.close();
    for (const socket of connections) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  interface Echo {
    method: string;
    url: string;
    body: string;
    headers: Record<string, string>;
  }

  it('sends the method, headers and JSON body axios prepared, and parses the JSON answer', async () => {
    const response = await client.post<Echo>(
      '/echo',
      { donVi: 'Sơn Tịnh', giaTri: [1, 2.5] },
      { headers: { authorization: 'Bearer t', 'idempotency-key': 'k-1' } },
    );
    expect(response.status).toBe(200);
    expect(response.data.method).toBe('POST');
    expect(JSON.parse(response.data.body)).toEqual({ donVi: 'Sơn Tịnh', giaTri: [1, 2.5] });
    expect(response.data.headers.authorization).toBe('Bearer t');
    expect(response.data.headers['idempotency-key']).toBe('k-1');
    expect(response.data.headers['content-type']).toBe('application/json');
    expect(response.data.headers['content-length']).toBe(
      String(Buffer.byteLength(response.data.body)),
    );
    expect(response.headers['content-type']).toBe('application/json');
  });

  it('builds the URL as axios does, for any plain parameters', async () => {
    const plain = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.boolean(),
      fc.constant(undefined),
      fc.constant(null),
    );
    const params = fc.dictionary(
      fc
        .oneof(fc.string({ minLength: 1 }), fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_.-]{0,8}$/))
        .filter((key) => key !== '__proto__'),
      plain,
      { maxKeys: 4 },
    );
    await fc.assert(
      fc.asyncProperty(params, async (given) => {
        const expected = new URL(client.getUri({ url: '/echo', params: given }));
        const response = await client.get<Echo>('/echo', { params: given });
        expect(response.data.url).toBe(expected.pathname + expected.search);
      }),
      { numRuns: 150 },
    );
  });

  it('falls back to axios for parameters it does not write itself (arrays, dates)', async () => {
    const params = { ky: ['2025-Q1', '2025-Q2'], ngay: new Date(Date.UTC(2025, 0, 1)) };
    const expected = new URL(client.getUri({ url: '/echo', params }));
    const response = await client.get<Echo>('/echo', { params });
    expect(response.data.url).toBe(expected.pathname + expected.search);
    expect(response.data.url).toContain('ky%5B%5D=2025-Q1');
  });

  it('keeps the connection: many requests over few sockets', async () => {
    const before = opened;
    for (let i = 0; i < 20; i++) await client.get('/echo');
    expect(opened - before).toBeLessThanOrEqual(1);
  });

  it('rejects a 4xx with ERR_BAD_REQUEST, carrying the parsed body and headers', async () => {
    const error = (await client
      .post('/refused', {})
      .catch((caught: unknown) => caught)) as AxiosError;
    expect(error).toBeInstanceOf(AxiosError);
    expect(error.code).toBe(AxiosError.ERR_BAD_REQUEST);
    expect(error.response?.status).toBe(422);
    expect(error.response?.data).toEqual({
      error: 'content',
      errors: [{ field: 'x', message: 'sai' }],
    });
    expect(error.response?.headers['retry-after']).toBe('7');
  });

  it('rejects a 5xx with ERR_BAD_RESPONSE', async () => {
    const error = (await client.get('/broken').catch((caught: unknown) => caught)) as AxiosError;
    expect(error.code).toBe(AxiosError.ERR_BAD_RESPONSE);
    expect(error.response?.data).toEqual({ message: 'bảo trì' });
  });

  it('follows no redirect: the 3xx is the answer, refused by validateStatus', async () => {
    const error = (await client.get('/moved').catch((caught: unknown) => caught)) as AxiosError;
    expect(error.response?.status).toBe(302);
    expect(error.response?.headers.location).toBe('/api/echo');
  });

  it('decodes a gzip answer and leaves text that is not JSON as text', async () => {
    expect((await client.get('/gzip')).data).toEqual({ packed: 'Quảng Ngãi' });
    expect((await client.get('/text')).data).toBe('không phải JSON');
  });

  it('leaves the bytes as they came with decompress: false, and then asks for no encoding', async () => {
    const packed = await client.get<ArrayBuffer>('/gzip', {
      decompress: false,
      responseType: 'arraybuffer',
    });
    expect(Buffer.from(packed.data).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const asked = await client.get<Echo>('/echo', { decompress: false });
    expect(asked.data.headers['accept-encoding']).toBeUndefined();
    expect((await client.get<Echo>('/echo')).data.headers['accept-encoding']).toBe(
      'gzip, deflate, br',
    );
  });

  it('times out the whole exchange with ECONNABORTED', async () => {
    const error = (await client
      .get('/silent', { timeout: 200 })
      .catch((caught: unknown) => caught)) as AxiosError;
    expect(error).toBeInstanceOf(AxiosError);
    expect(error.code).toBe(AxiosError.ECONNABORTED);
    expect(error.message).toBe('timeout of 200ms exceeded');
    expect(error.response).toBeUndefined();
  });

  it('is cancelled by its signal', async () => {
    const controller = new AbortController();
    const pending = client.get('/silent', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toBeInstanceOf(CanceledError);
  });

  it('never sends a request that timed out waiting for a connection; cuts one that was sent', async () => {
    const single = new Agent({ connections: 1 });
    const narrow = axios.create({ baseURL: `${base}/api`, adapter: undiciAdapter(() => single) });
    try {
      const open = connections.size;
      const first = narrow.get('/silent', { timeout: 400 }).catch((caught: unknown) => caught);
      const second = narrow
        .get('/echo?queued=1', { timeout: 100 })
        .catch((caught: unknown) => caught);
      expect(await second).toMatchObject({ code: AxiosError.ECONNABORTED });
      expect(await first).toMatchObject({ code: AxiosError.ECONNABORTED });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(asked).toContain('/api/silent');
      expect(asked).not.toContain('/api/echo?queued=1');
      // The silent exchange's connection was cut when it timed out.
      expect(connections.size).toBe(open);
    } finally {
      await single.close();
    }
  });

  it('keeps the system code of a refused connection (never sent)', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = (await client
      .get(`http://127.0.0.1:${port}/api/echo`)
      .catch((caught: unknown) => caught)) as AxiosError;
    expect(error).toBeInstanceOf(AxiosError);
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.response).toBeUndefined();
  });

  it('tells a connection dropped after the request from a refused one', async () => {
    const error = (await client
      .post('/hang-up', { x: 1 })
      .catch((caught: unknown) => caught)) as AxiosError;
    expect(error).toBeInstanceOf(AxiosError);
    expect(error.response).toBeUndefined();
    expect(error.code).toBeDefined();
    expect(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']).not.toContain(error.code);
  });
});
