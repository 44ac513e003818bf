/**
 * Signs a demo person in at a simulated identity provider over HTTP, the way a browser would:
 * the authorization request, the login form, the redirect with the code, the code exchange. For
 * demos (`npm run cli -- token`) and tests; a real SSO has its own login pages.
 */
export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
  token_type: string;
  scope?: string;
}

export async function discover(issuer: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`discovery at ${issuer} answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

export function basic(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
}

export async function tokenRequest(
  issuer: string,
  client: { id: string; secret: string },
  form: Record<string, string>,
): Promise<Response> {
  const { token_endpoint } = await discover(issuer);
  return fetch(String(token_endpoint), {
    method: 'POST',
    headers: {
      authorization: basic(client.id, client.secret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form),
  });
}

/**
 * Plays the browser from an authorization URL: follows redirects, fills in the login form, and
 * stops at the redirect back to the client, whose URL (with code and state) it returns.
 */
export async function browseSignIn(
  authorizationUrl: string,
  issuer: string,
  person: { username: string; password: string },
  redirectPrefix: string,
): Promise<URL> {
  const cookies = new Map<string, string>();
  const go = async (url: string, init: RequestInit = {}) => {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair.indexOf('=');
      cookies.set(pair.slice(0, index), pair.slice(index + 1));
    }
    return response;
  };
  let response = await go(authorizationUrl);
  for (let step = 0; step < 10; step++) {
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location')!, issuer);
      if (location.toString().startsWith(redirectPrefix)) return location;
      response = await go(location.toString());
      continue;
    }
    const page = await response.text();
    const action = /action="([^"]+)"/.exec(page)?.[1];
    if (response.status !== 200 || !action)
      throw new Error(`sign-in stopped at ${response.status}: ${page.slice(0, 300)}`);
    response = await go(new URL(action, issuer).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(person),
    });
  }
  throw new Error('sign-in did not finish in 10 steps');
}

export async function signIn(
  issuer: string,
  client: { id: string; secret: string; redirectUri: string },
  person: { username: string; password: string },
  resource?: string,
): Promise<TokenResponse> {
  const { authorization_endpoint } = await discover(issuer);
  const start = new URL(String(authorization_endpoint));
  start.search = new URLSearchParams({
    client_id: client.id,
    response_type: 'code',
    scope: 'openid offline_access email profile',
    redirect_uri: client.redirectUri,
    state: 'state-1',
    ...(resource ? { resource } : {}),
  }).toString();
  const location = await browseSignIn(start.toString(), issuer, person, client.redirectUri);
  const code = location.searchParams.get('code');
  if (!code) throw new Error(`no code in redirect: ${location.toString()}`);
  const token = await tokenRequest(issuer, client, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: client.redirectUri,
    ...(resource ? { resource } : {}),
  });
  if (!token.ok) throw new Error(`code exchange failed: ${token.status} ${await token.text()}`);
  return (await token.json()) as TokenResponse;
}
