import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { remoteSystemsEnv } from '../../src/simulators/demo';
import { signIn } from '../../src/simulators/demo-sign-in';
import type { RunningSimulators } from '../../src/simulators/simulators';

/** The vault key of the gateways the tests, the benches and the screenshots start. */
export const TEST_VAULT_KEY = 'OKPJWolEzV6x4w2rFogWyYKxCxVaDnL77PnJZkKmxpI=';

/**
 * The environment of a gateway pointed at running simulators: both systems, the demo CA as the
 * signing trust anchor, the simulated SSO as the token issuer, no schedule, a fresh audit key;
 * with `consoleBase` (http://127.0.0.1:<port>), the console's client at the simulated SSO too.
 */
export function simulatorGatewayEnv(
  sims: Pick<RunningSimulators, 'urls' | 'credentials'>,
  options: { consoleBase?: string } = {},
): Record<string, string> {
  const anchors = path.join(mkdtempSync(path.join(os.tmpdir(), 'baocao-anchors-')), 'anchors.pem');
  writeFileSync(anchors, sims.credentials.signingAuthority.certificatePem);
  return {
    ...remoteSystemsEnv(sims),
    NATIONAL_SIGNING_TRUST_ANCHORS_FILE: anchors,
    ACCESS_ISSUER: sims.urls.provincialSso,
    ALLOW_PLAIN_HTTP_LOOPBACK: 'true',
    TRANSFERS_SCHEDULE_ENABLED: 'false',
    AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
    VAULT_KEY: TEST_VAULT_KEY,
    ...(options.consoleBase
      ? {
          CONSOLE_CLIENT_ID: sims.credentials.consoleClient.clientId,
          CONSOLE_CLIENT_SECRET: sims.credentials.consoleClient.clientSecret,
          CONSOLE_REDIRECT_URI: `${options.consoleBase}/auth/callback`,
        }
      : {}),
  };
}

/** A person's access token for the gateway's API, signed in at the simulated SSO. */
export async function personToken(
  sims: Pick<RunningSimulators, 'provincialSso' | 'credentials' | 'urls'>,
  which: (person: RunningSimulators['credentials']['people'][number]) => boolean,
): Promise<string> {
  const client = sims.credentials.consoleClient;
  const response = await signIn(
    sims.provincialSso.issuer,
    { id: client.clientId, secret: client.clientSecret, redirectUri: client.redirectUris[0] },
    sims.credentials.people.find(which)!,
    sims.urls.gatewayApiResource,
  );
  return response.access_token;
}

/** Sets faults of a simulator (docs/simulators.md: /__admin/faults). */
export async function setFaults(origin: string, faults: object): Promise<void> {
  const response = await fetch(`${origin}/__admin/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  if (!response.ok) throw new Error(`faults not set: ${response.status} ${await response.text()}`);
}
