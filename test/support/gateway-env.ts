import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { remoteSystemsEnv } from '../../src/simulators/demo';
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
