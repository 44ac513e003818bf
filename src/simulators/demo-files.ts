import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../config/app-config';
import { projectRoot } from '../config/project-root';
import type { RunningSimulators } from './simulators';

// Where demo mode leaves what a CLI beside it needs: light to load, it starts nothing.

export const DEFAULT_CREDENTIALS_FILE = path.join(
  projectRoot,
  '.data',
  'simulators',
  'credentials.json',
);

export const DEMO_TRUST_ANCHORS_FILE = path.join(
  projectRoot,
  '.data',
  'simulators',
  'signing-ca.pem',
);

/**
 * For the CLI in demo mode: the configuration pointed at the simulators of the running demo
 * gateway, read from the credentials file it wrote. Undefined when no demo has been started.
 */
export function pointAtRunningDemo(
  config: AppConfig,
  file = DEFAULT_CREDENTIALS_FILE,
): AppConfig | undefined {
  if (config.mode !== 'demo' || !existsSync(file)) return undefined;
  const written = JSON.parse(readFileSync(file, 'utf8')) as {
    urls: RunningSimulators['urls'];
    provincialClient: { clientId: string; clientSecret: string };
  };
  return Object.freeze({
    ...config,
    security: { allowPlainHttpLoopback: true },
    provincial: {
      ...config.provincial,
      baseUrl: written.urls.provincialReports,
      ssoIssuer: written.urls.provincialSso,
      clientId: written.provincialClient.clientId,
      clientSecret: written.provincialClient.clientSecret,
    },
    national: {
      ...config.national,
      baseUrl: written.urls.nationalReports,
      idpIssuer: written.urls.nationalIdp,
      signingTrustAnchorsFile: DEMO_TRUST_ANCHORS_FILE,
    },
  });
}
