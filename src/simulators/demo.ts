import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../config/app-config';
import { projectRoot } from '../config/project-root';
import { startSimulators, type RunningSimulators, type SimulatorsOptions } from './simulators';

/** Simulator options from the gateway's configuration (the `simulators` section). */
export function simulatorOptions(
  config: AppConfig,
  overrides: Partial<SimulatorsOptions> = {},
): SimulatorsOptions {
  const { simulators } = config;
  return {
    ports: { ...simulators.ports },
    seed: simulators.seed,
    dataFile: simulators.dataFile ? path.resolve(projectRoot, simulators.dataFile) : undefined,
    accessTokenTtlSeconds: simulators.accessTokenTtlSeconds,
    faults: structuredClone(simulators.faults),
    redirectUris: [`http://127.0.0.1:${config.server.port}/auth/callback`],
    ...overrides,
  };
}

/** The gateway's configuration with both remote systems pointed at the running simulators. */
export function pointAtSimulators(config: AppConfig, simulators: RunningSimulators): AppConfig {
  return Object.freeze({
    ...config,
    security: { allowPlainHttpLoopback: true },
    provincial: {
      ...config.provincial,
      baseUrl: simulators.urls.provincialReports,
      ssoIssuer: simulators.urls.provincialSso,
      clientId: simulators.credentials.provincialClient.clientId,
      clientSecret: simulators.credentials.provincialClient.clientSecret,
    },
    national: {
      ...config.national,
      baseUrl: simulators.urls.nationalReports,
      idpIssuer: simulators.urls.nationalIdp,
    },
  });
}

export const DEFAULT_CREDENTIALS_FILE = path.join(
  projectRoot,
  '.data',
  'simulators',
  'credentials.json',
);

/**
 * Writes the demo accounts (secrets, passwords, signing keys) to a file only root can read, for
 * people rehearsing with the simulators. Never logged.
 */
export function writeDemoCredentials(
  simulators: RunningSimulators,
  file = DEFAULT_CREDENTIALS_FILE,
): string {
  mkdirSync(path.dirname(file), { recursive: true });
  const { credentials } = simulators;
  const content = {
    note: 'Demo accounts of the simulators (baocao-gateway). Not real credentials.',
    urls: simulators.urls,
    provincialClient: credentials.provincialClient,
    consoleClient: credentials.consoleClient,
    people: credentials.people,
    nationalAccounts: credentials.nationalAccounts,
    signingAuthorityCertificate: credentials.signingAuthority.certificatePem,
    signingCertificates: Object.fromEntries(
      [...credentials.signingCertificates].map(([unit, issued]) => [
        unit,
        {
          certificatePem: issued.certificatePem,
          privateKeyPem: issued.privateKeyPem,
          chainPem: issued.chainPem,
        },
      ]),
    ),
  };
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

export async function startDemoSimulators(config: AppConfig): Promise<RunningSimulators> {
  return startSimulators(simulatorOptions(config));
}
