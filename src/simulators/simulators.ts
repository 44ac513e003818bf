import { readFileSync } from 'node:fs';
import type { FormCatalogue } from '../catalog/forms';
import {
  nationalAccounts,
  provincialPeople,
  demoSecret,
  type NationalAccount,
  type ProvincialPerson,
} from './accounts';
import type { DataSet } from './data/data-set';
import { generateDemoDataSet } from './data/demo-data';
import {
  createCertificateAuthority,
  issueCertificate,
  type CertificateAuthority,
  type IssuedCertificate,
} from './demo-pki';
import type { FaultSettings } from './fault-injector';
import { SimulatedIdentityProvider } from './identity-provider';
import { NATIONAL_SCOPE, NationalReportSystem } from './national-report-system';
import { PROVINCIAL_SCOPE, ProvincialReportSystem } from './provincial-report-system';

export type SimulatorName =
  'provincialReports' | 'provincialSso' | 'nationalReports' | 'nationalIdp';

export interface SimulatorsOptions {
  /** Loopback ports; 0 picks a free one. */
  ports?: Partial<Record<SimulatorName, number>>;
  /** A data set to serve instead of the generated one (the format of DataSet). */
  data?: DataSet;
  dataFile?: string;
  /** The instant the generated data set describes; default now. */
  asOf?: Date;
  seed?: string | number;
  faults?: Partial<Record<SimulatorName, Partial<FaultSettings>>>;
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  /** Where the provincial SSO may send people back after sign-in (the gateway's console). */
  redirectUris?: string[];
  /** Where the SSO may send a person back to the gateway after signing in for it. */
  gatewayRedirectUris?: string[];
  forms?: FormCatalogue;
  /** Signing certificates for the units that must sign; generated for the demo when omitted. */
  signing?: { authority: CertificateAuthority; certificates: Map<string, IssuedCertificate> };
  /** Levels whose units get a demo signing certificate. */
  signingLevels?: string[];
}

/** The gateway's own API as a resource of the provincial SSO: people's tokens are for it. */
export const GATEWAY_API_SCOPE = 'gateway';

export interface DemoCredentials {
  provincialClient: { clientId: string; clientSecret: string };
  consoleClient: { clientId: string; clientSecret: string; redirectUris: string[] };
  people: ProvincialPerson[];
  nationalAccounts: NationalAccount[];
  signingAuthority: CertificateAuthority;
  signingCertificates: Map<string, IssuedCertificate>;
}

export interface RunningSimulators {
  provincialReports: ProvincialReportSystem;
  provincialSso: SimulatedIdentityProvider;
  nationalReports: NationalReportSystem;
  nationalIdp: SimulatedIdentityProvider;
  data: DataSet;
  credentials: DemoCredentials;
  /** Base URLs and issuers, as the gateway's configuration takes them. */
  urls: Record<SimulatorName, string> & { gatewayApiResource: string };
  stop(): Promise<void>;
}

export const DEFAULT_PORTS: Record<SimulatorName, number> = {
  provincialReports: 4010,
  provincialSso: 4011,
  nationalReports: 4020,
  nationalIdp: 4021,
};

export function loadDataSet(file: string): DataSet {
  const data = JSON.parse(readFileSync(file, 'utf8')) as DataSet;
  if (data.format !== 'baocao-gateway/data-set@1') {
    throw new Error(
      `${file} is not a data set: expected "format": "baocao-gateway/data-set@1", found ${JSON.stringify(data.format)}`,
    );
  }
  return data;
}

/**
 * Starts the four simulators on loopback: the provincial report system and its SSO, the national
 * report system and its identity provider, on one data set, with demo accounts for every unit.
 */
export async function startSimulators(options: SimulatorsOptions = {}): Promise<RunningSimulators> {
  const seed = options.seed ?? 51;
  const data =
    options.data ??
    (options.dataFile
      ? loadDataSet(options.dataFile)
      : generateDemoDataSet({ asOf: options.asOf }));
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const accounts = nationalAccounts(data.units, seed);
  const people = provincialPeople(seed);
  const provincialClient = {
    clientId: 'baocao-gateway',
    clientSecret: demoSecret(seed, 'provincial', 'baocao-gateway'),
  };
  const redirectUris = options.redirectUris ?? ['http://127.0.0.1:3000/auth/callback'];
  const consoleClient = {
    clientId: 'baocao-console',
    clientSecret: demoSecret(seed, 'provincial', 'baocao-console'),
    redirectUris,
  };
  const signing =
    options.signing ??
    (await demoSigning(data, options.signingLevels ?? ['department', 'district']));

  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const provincialSso = await SimulatedIdentityProvider.start({
      name: 'provincial-sso',
      port: ports.provincialSso,
      clients: [
        {
          clientId: provincialClient.clientId,
          clientSecret: provincialClient.clientSecret,
          // Its own account, and a person's sign-in for provinces that require one.
          grantTypes: ['client_credentials', 'authorization_code', 'refresh_token'],
          redirectUris: options.gatewayRedirectUris ?? [
            'http://127.0.0.1:3000/api/auth/provincial/callback',
          ],
          claims: { role: 'service' },
        },
        {
          clientId: consoleClient.clientId,
          clientSecret: consoleClient.clientSecret,
          grantTypes: ['authorization_code', 'refresh_token'],
          redirectUris,
          postLogoutRedirectUris: redirectUris.map((uri) =>
            new URL('/auth/signed-out', uri).toString(),
          ),
        },
      ],
      people: people.map((person) => ({
        username: person.username,
        password: person.password,
        name: person.name,
        claims: { role: person.role, ...(person.district ? { district: person.district } : {}) },
      })),
      resources: [
        { indicator: 'urn:baocao:provincial-api', scope: PROVINCIAL_SCOPE },
        { indicator: 'urn:baocao:gateway-api', scope: GATEWAY_API_SCOPE },
      ],
      accessTokenTtlSeconds: options.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: options.refreshTokenTtlSeconds,
      faults: options.faults?.provincialSso,
    });
    started.push(provincialSso);
    const nationalIdp = await SimulatedIdentityProvider.start({
      name: 'national-idp',
      port: ports.nationalIdp,
      clients: accounts.map((account) => ({
        clientId: account.accountId,
        clientSecret: account.secret,
        grantTypes: ['client_credentials' as const],
        claims: { unit: account.unitCode, rights: account.rights },
      })),
      resources: [{ indicator: 'urn:baocao:national-api', scope: NATIONAL_SCOPE }],
      accessTokenTtlSeconds: options.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: options.refreshTokenTtlSeconds,
      faults: options.faults?.nationalIdp,
    });
    started.push(nationalIdp);
    const provincialReports = await ProvincialReportSystem.start({
      data,
      sso: provincialSso,
      port: ports.provincialReports,
      faults: options.faults?.provincialReports,
    });
    started.push(provincialReports);
    const nationalReports = await NationalReportSystem.start({
      data,
      idp: nationalIdp,
      trustAnchors: [signing.authority.certificatePem],
      forms: options.forms,
      port: ports.nationalReports,
      faults: options.faults?.nationalReports,
    });
    started.push(nationalReports);
    return {
      provincialReports,
      provincialSso,
      nationalReports,
      nationalIdp,
      data,
      credentials: {
        provincialClient,
        consoleClient,
        people,
        nationalAccounts: accounts,
        signingAuthority: signing.authority,
        signingCertificates: signing.certificates,
      },
      urls: {
        provincialReports: provincialReports.url,
        provincialSso: provincialSso.issuer,
        nationalReports: nationalReports.url,
        nationalIdp: nationalIdp.issuer,
        gatewayApiResource: 'urn:baocao:gateway-api',
      },
      stop: async () => {
        await Promise.all([provincialReports.stop(), nationalReports.stop()]);
        await Promise.all([provincialSso.stop(), nationalIdp.stop()]);
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((simulator) => simulator.stop()));
    throw error;
  }
}

/** A demo CA and a signing certificate for every unit of the given levels that ever existed. */
export async function demoSigning(
  data: DataSet,
  levels: readonly string[],
): Promise<{ authority: CertificateAuthority; certificates: Map<string, IssuedCertificate> }> {
  const authority = await createCertificateAuthority(
    'baocao-gateway demo CA (Ban Cơ yếu Chính phủ stand-in)',
  );
  const signers = data.units.filter((candidate) => levels.includes(candidate.level));
  const issued = await Promise.all(
    signers.map((unit) =>
      issueCertificate(authority, { commonName: unit.officeCode, organisation: unit.name }),
    ),
  );
  return {
    authority,
    certificates: new Map(signers.map((unit, index) => [unit.officeCode, issued[index]])),
  };
}
