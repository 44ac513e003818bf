import { tokenRequest, type TokenResponse } from '../../src/simulators/demo-sign-in';

export {
  basic,
  discover,
  signIn,
  tokenRequest,
  type TokenResponse,
} from '../../src/simulators/demo-sign-in';

export async function clientCredentials(
  issuer: string,
  client: { id: string; secret: string },
  scope?: string,
): Promise<TokenResponse> {
  const response = await tokenRequest(issuer, client, {
    grant_type: 'client_credentials',
    ...(scope ? { scope } : {}),
  });
  if (!response.ok)
    throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as TokenResponse;
}

export function decodeJwt(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<
    string,
    any
  >;
}
