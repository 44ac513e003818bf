import { Readable } from 'node:stream';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import axios, {
  AxiosError,
  AxiosHeaders,
  CanceledError,
  type AxiosAdapter,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import type { Dispatcher } from 'undici';

/**
 * axios's adapter on undici's connection pools: the clients keep axios (its config, interceptors,
 * transforms, errors); the request itself goes through undici's keep-alive pool instead of Node's
 * `http.request` (axios and Node's HTTP client were a fifth of the push's sampled profile,
 * docs/performance.md).
 *
 * What the clients rely on behaves as axios's own http adapter: the URL built from baseURL, url and
 * params; `timeout` for the whole exchange (ECONNABORTED); `signal` (CanceledError); the answer's
 * text handed to axios's transformResponse (JSON parsed there); `validateStatus` deciding between
 * a response and an AxiosError carrying it (ERR_BAD_REQUEST for 4xx, ERR_BAD_RESPONSE otherwise);
 * connection errors keep their code (ECONNREFUSED: never sent); no redirect is followed.
 * `dispatcherFor` picks the pool for a URL (direct, or through the proxy).
 */
export function undiciAdapter(dispatcherFor: (url: URL) => Dispatcher): AxiosAdapter {
  return (config) => exchange(config, dispatcherFor);
}

const USER_AGENT = `axios/${axios.VERSION}`;
const PLAIN_KEY = /^[\w.-]+$/;
const ABSOLUTE = /^([a-z][a-z\d+\-.]*:)?\/\//i;

async function exchange(
  config: InternalAxiosRequestConfig,
  dispatcherFor: (url: URL) => Dispatcher,
): Promise<AxiosResponse> {
  const url = new URL(requestUrl(config));
  const method = (config.method ?? 'get').toUpperCase();
  const request = { method, url: url.href };
  const headers = requestHeaders(config);
  const body = requestBody(config.data, config);
  const bodyLimit = config.maxBodyLength ?? -1;
  if (body !== undefined && bodyLimit > -1 && Buffer.byteLength(body) > bodyLimit)
    throw new AxiosError(
      'Request body larger than maxBodyLength limit',
      AxiosError.ERR_BAD_REQUEST,
      config,
      request,
    );

  const outer = config.signal as AbortSignal | undefined;
  let answer: Answer;
  try {
    answer = await send(
      dispatcherFor(url),
      { origin: url.origin, path: url.pathname + url.search, method, headers, body },
      config.timeout ?? 0,
      outer,
    );
  } catch (error) {
    if (error === TIMED_OUT) {
      const clarify = config.transitional?.clarifyTimeoutError;
      throw new AxiosError(
        config.timeoutErrorMessage ?? `timeout of ${config.timeout}ms exceeded`,
        clarify ? AxiosError.ETIMEDOUT : AxiosError.ECONNABORTED,
        config,
        request,
      );
    }
    if (outer?.aborted) throw new CanceledError(undefined, config, request);
    // A refused or reset connection keeps the system's code (ECONNREFUSED, ECONNRESET…): the
    // clients tell a request never sent from one that may have arrived by it.
    const cause = error as Error & { code?: string; cause?: { code?: string } };
    throw AxiosError.from(cause, systemCode(cause), config, request);
  }
  const { raw } = answer;
  const limit = config.maxContentLength ?? -1;
  if (limit > -1 && raw.length > limit)
    throw new AxiosError(
      `maxContentLength size of ${limit} exceeded`,
      AxiosError.ERR_BAD_RESPONSE,
      config,
      request,
    );
  const responseHeaders = new AxiosHeaders(answer.headers as Record<string, string | string[]>);
  const response: AxiosResponse = {
    status: answer.status,
    statusText: '',
    headers: responseHeaders,
    config,
    request,
    data: responseData(
      config.decompress === false ? raw : decoded(raw, responseHeaders.get('content-encoding')),
      config,
    ),
  };
  const valid = config.validateStatus;
  if (!response.status || !valid || valid(response.status)) return response;
  throw new AxiosError(
    `Request failed with status code ${response.status}`,
    response.status >= 400 && response.status < 500
      ? AxiosError.ERR_BAD_REQUEST
      : AxiosError.ERR_BAD_RESPONSE,
    config,
    request,
    response,
  );
}

/** An answer gathered whole: its status, its headers as undici gives them, its bytes as they came. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  raw: Buffer;
}

/** Why an exchange was stopped by its own timeout. */
const TIMED_OUT = new Error('timed out');

/**
 * One exchange on undici's pool through its dispatch API, the answer gathered whole: no stream or
 * AbortController per request (each a few microseconds of the push's hot path), for axios (this
 * adapter) and openid-client (Outbound.fetch) alike. A timeout or the caller's signal settles it
 * at once (the signal's reason is the rejection, as fetch rejects); a request still waiting for a
 * connection is then stopped before it is written, one already sent has its connection cut.
 */
export function send(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  timeoutMs: number,
  outer: AbortSignal | undefined,
): Promise<Answer> {
  if (outer?.aborted) return Promise.reject(outer.reason as Error);
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let stopped: Error | undefined;
    let settled = false;
    let status = 0;
    let headers: Answer['headers'] = {};
    const chunks: Buffer[] = [];
    const settle = (error: Error | undefined, answer?: Answer) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      outer?.removeEventListener?.('abort', cancel);
      if (error) reject(error);
      else resolve(answer!);
    };
    const stop = (reason: Error) => {
      stopped = reason;
      controller?.abort(reason);
      settle(reason);
    };
    const cancel = () => stop((outer?.reason as Error | undefined) ?? new Error('aborted'));
    const timer = timeoutMs > 0 ? setTimeout(() => stop(TIMED_OUT), timeoutMs) : undefined;
    outer?.addEventListener?.('abort', cancel, { once: true });
    dispatcher.dispatch(options, {
      onRequestStart(started) {
        controller = started;
        if (stopped) started.abort(stopped);
      },
      onResponseStart(_controller, statusCode, responseHeaders) {
        status = statusCode;
        headers = responseHeaders;
      },
      onResponseData(_controller, chunk) {
        chunks.push(chunk);
      },
      onResponseEnd() {
        settle(undefined, {
          status,
          headers,
          raw: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
        });
      },
      onResponseError(_controller, error) {
        settle(error);
      },
    });
  });
}

/** The URL as axios builds it: written here for plain parameters, by axios for any other. */
function requestUrl(config: InternalAxiosRequestConfig): string {
  const pairs = plainParams(config);
  if (!pairs) return axios.getUri(config);
  const path = config.url ?? '';
  let url = !config.baseURL || ABSOLUTE.test(path) ? path : joined(config.baseURL, path);
  if (!pairs.length) return url;
  const hash = url.indexOf('#');
  if (hash !== -1) url = url.slice(0, hash);
  return `${url}${url.includes('?') ? '&' : '?'}${pairs.join('&')}`;
}

/**
 * The parameters as `key=value` pairs when each is a string, number or boolean (or absent) under a
 * plain key and no serializer is set; undefined otherwise (axios trims keys and reads brackets
 * and braces in them, writes arrays, dates and objects its own way).
 */
function plainParams(config: InternalAxiosRequestConfig): string[] | undefined {
  if (config.paramsSerializer && Object.keys(config.paramsSerializer).length) return undefined;
  const params: unknown = config.params;
  if (params === undefined || params === null) return [];
  if (typeof params !== 'object' || Object.getPrototypeOf(params) !== Object.prototype)
    return undefined;
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      return undefined;
    if (!PLAIN_KEY.test(key)) return undefined;
    pairs.push(`${encodeParam(key)}=${encodeParam(String(value))}`);
  }
  return pairs;
}

/** axios's combineURLs. */
function joined(base: string, path: string): string {
  return path ? `${base.replace(/\/?\/$/, '')}/${path.replace(/^\/+/, '')}` : base;
}

/** axios's parameter encoding: encodeURIComponent with ':', '$' and ',' kept and spaces as '+'. */
function encodeParam(value: string): string {
  return encodeURIComponent(value)
    .replace(/%3A/gi, ':')
    .replace(/%24/g, '$')
    .replace(/%2C/gi, ',')
    .replace(/%20/g, '+');
}

function requestHeaders(config: InternalAxiosRequestConfig): Record<string, string> {
  const headers: Record<string, string> = {};
  const given = AxiosHeaders.from(config.headers).toJSON(true) as Record<string, unknown>;
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined || value === null || value === false) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : `${value as string}`;
  }
  headers['user-agent'] ??= USER_AGENT;
  // What this adapter decodes, unless asked not to (axios's `decompress: false`).
  if (config.decompress !== false) headers['accept-encoding'] ??= 'gzip, deflate, br';
  if (config.auth) {
    const { username = '', password = '' } = config.auth;
    headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
  return headers;
}

/** The body as axios's transformRequest left it: text, bytes, or nothing. */
function requestBody(
  data: unknown,
  config: InternalAxiosRequestConfig,
): string | Buffer | undefined {
  if (data === undefined || data === null) return undefined;
  if (typeof data === 'string' || Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof URLSearchParams) return data.toString();
  throw new AxiosError(
    'Data after transformation must be a string, an ArrayBuffer, a Buffer, or a Stream',
    AxiosError.ERR_BAD_REQUEST,
    config,
  );
}

/** A body as its content-encoding says (gzip, deflate, br), or as it came. */
export function decoded(raw: Buffer, encoding: unknown): Buffer {
  switch (typeof encoding === 'string' ? encoding.toLowerCase() : '') {
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(raw);
    case 'deflate':
      return inflateSync(raw);
    case 'br':
      return brotliDecompressSync(raw);
    default:
      return raw;
  }
}

/** What axios's transformResponse expects from its node adapter: text, bytes, or a stream. */
function responseData(raw: Buffer, config: InternalAxiosRequestConfig): unknown {
  switch (config.responseType) {
    case 'arraybuffer':
      return raw;
    case 'stream':
      return Readable.from([raw]);
    default:
      return raw.toString((config.responseEncoding as BufferEncoding | undefined) ?? 'utf8');
  }
}

/** The operating system's code of a connection error, where undici wrapped it. */
function systemCode(error: { code?: string; cause?: { code?: string } }): string | undefined {
  const own = error.code;
  if (own && !own.startsWith('UND_ERR_')) return own;
  return error.cause?.code ?? own;
}
