import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../config/app-config';
import { projectRoot } from '../config/project-root';
import { DemoMailbox } from './mailbox';
import type { CredentialInput, CredentialVault } from '../vault/credential-vault';
import { fromPem } from '../vault/signing-material';
import { DEFAULT_CREDENTIALS_FILE, DEMO_TRUST_ANCHORS_FILE } from './demo-files';
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
    gatewayRedirectUris: [`http://127.0.0.1:${config.server.port}/api/auth/provincial/callback`],
    ...overrides,
  };
}

/** The gateway's configuration with both remote systems pointed at the running simulators. */
export function pointAtSimulators(
  config: AppConfig,
  simulators: RunningSimulators & { mailbox?: DemoMailbox },
): AppConfig {
  const operators = simulators.credentials.people
    .filter((person) => person.role === 'operator' && !person.district)
    .map((person) => person.username);
  const districts = simulators.credentials.people.filter((person) => person.district);
  return Object.freeze({
    ...config,
    // Demo mode sends its notifications to the local mailbox (.data/mailbox/).
    notifications: simulators.mailbox
      ? {
          ...config.notifications,
          enabled: true,
          smtpUrl: simulators.mailbox.url,
          // Soon enough to see them while trying the demo.
          intervalSeconds: Math.min(config.notifications.intervalSeconds, 15),
          operators: config.notifications.operators.length
            ? config.notifications.operators
            : operators,
          contacts: {
            ...Object.fromEntries(districts.map((person) => [person.district!, [person.username]])),
            ...config.notifications.contacts,
          },
        }
      : config.notifications,
    security: { allowPlainHttpLoopback: true },
    provincial: {
      ...config.provincial,
      baseUrl: simulators.urls.provincialReports,
      ssoIssuer: simulators.urls.provincialSso,
      clientId: simulators.credentials.provincialClient.clientId,
      clientSecret: simulators.credentials.provincialClient.clientSecret,
    },
    console: {
      ...config.console,
      clientId: config.console.clientId ?? simulators.credentials.consoleClient.clientId,
      clientSecret:
        config.console.clientSecret ?? simulators.credentials.consoleClient.clientSecret,
      redirectUri:
        config.console.redirectUri ?? simulators.credentials.consoleClient.redirectUris[0],
    },
    national: {
      ...config.national,
      baseUrl: simulators.urls.nationalReports,
      idpIssuer: simulators.urls.nationalIdp,
      signingTrustAnchorsFile: writeDemoTrustAnchor(simulators),
    },
  });
}

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

/** The simulators and the local mailbox of demo mode; stopping stops both. */
export async function startDemoSimulators(
  config: AppConfig,
): Promise<RunningSimulators & { mailbox: DemoMailbox }> {
  const simulators = await startSimulators(simulatorOptions(config));
  try {
    const mailbox = await DemoMailbox.start(
      path.join(projectRoot, '.data', 'mailbox'),
      config.simulators.mailboxPort,
    );
    return {
      ...simulators,
      mailbox,
      stop: async () => {
        await simulators.stop();
        await mailbox.stop();
      },
    };
  } catch (error) {
    await simulators.stop();
    throw error;
  }
}

/**
 * Demo mode: the simulators' unit accounts and signing keys go into the gateway's vault, as an
 * admin would add them (`credentials add`), once. The trust anchor of the demo CA is written
 * where national.signingTrustAnchorsFile points.
 */
export async function seedDemoVault(
  vault: CredentialVault,
  simulators: RunningSimulators,
): Promise<number> {
  const existing = new Map(
    (await vault.list()).map((credential) => [
      `${credential.system}|${credential.account}|${credential.kind}`,
      credential,
    ]),
  );
  const stored = new Set(existing.keys());
  const inputs: CredentialInput[] = [];
  for (const account of simulators.credentials.nationalAccounts) {
    if (stored.has(`national|${account.accountId}|client-secret`)) continue;
    inputs.push({
      system: 'national',
      kind: 'client-secret',
      account: account.accountId,
      unitCode: account.unitCode,
      rights: account.rights,
      secret: account.secret,
    });
  }
  for (const [unitCode, issued] of simulators.credentials.signingCertificates) {
    const prepared = fromPem(issued.privateKeyPem, issued.chainPem.join('\n'));
    const previous = existing.get(`national|${unitCode}|signing-key`);
    if (previous) {
      // The simulators make a new demo CA at each start: the unit's key follows it.
      if (previous.details.fingerprint256 !== prepared.details.fingerprint256) {
        await vault.rotate(previous.id, prepared.privateKeyPem, 'system', {
          reason: 'demo mode: the simulators issued a new demo certificate',
          details: prepared.details,
        });
      }
      continue;
    }
    inputs.push({
      system: 'national',
      kind: 'signing-key',
      account: unitCode,
      unitCode,
      secret: prepared.privateKeyPem,
      details: prepared.details,
    });
  }
  if (inputs.length) await vault.addMany(inputs, 'system', "demo mode: the simulators' accounts");
  return inputs.length;
}

function writeDemoTrustAnchor(simulators: RunningSimulators): string {
  mkdirSync(path.dirname(DEMO_TRUST_ANCHORS_FILE), { recursive: true });
  writeFileSync(DEMO_TRUST_ANCHORS_FILE, simulators.credentials.signingAuthority.certificatePem);
  return DEMO_TRUST_ANCHORS_FILE;
}

/** The environment that points a gateway at running simulators, as a deployment points it at the real systems. */
export function remoteSystemsEnv(
  sims: Pick<RunningSimulators, 'urls'> & {
    credentials: Pick<RunningSimulators['credentials'], 'provincialClient'>;
  },
): Record<string, string> {
  return {
    PROVINCIAL_BASE_URL: sims.urls.provincialReports,
    PROVINCIAL_SSO_ISSUER: sims.urls.provincialSso,
    PROVINCIAL_CLIENT_ID: sims.credentials.provincialClient.clientId,
    PROVINCIAL_CLIENT_SECRET: sims.credentials.provincialClient.clientSecret,
    NATIONAL_BASE_URL: sims.urls.nationalReports,
    NATIONAL_IDP_ISSUER: sims.urls.nationalIdp,
  };
}
