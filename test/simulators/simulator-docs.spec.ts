import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { noFaults } from '../../src/simulators/fault-injector';
import { NATIONAL_SCOPE } from '../../src/simulators/national-report-system';
import { PROVINCIAL_SCOPE } from '../../src/simulators/provincial-report-system';
import { startSimulators, type RunningSimulators } from '../../src/simulators/simulators';
import { clientCredentials } from '../support/oidc-login';

const docs = path.join(__dirname, '..', '..', 'docs');
const openApi = (file: string) =>
  parseYaml(readFileSync(path.join(docs, file), 'utf8')) as {
    paths: Record<string, Record<string, unknown>>;
  };

describe('the simulators are as documented', () => {
  let sims: RunningSimulators;
  beforeAll(async () => {
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      asOf: new Date('2026-11-27T12:00:00Z'),
    });
  });
  afterAll(() => sims.stop());

  const served = async (base: string, token: string, file: string) => {
    const unknown: string[] = [];
    for (const [route, operations] of Object.entries(openApi(file).paths)) {
      for (const method of Object.keys(operations)) {
        const url = `${base}${route.replace(/\{[^}]+\}/g, 'X')}`;
        const response = await fetch(url, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: method === 'get' ? undefined : '{}',
        });
        const body = (await response.json()) as { message?: string };
        if (response.status === 404 && body.message === 'no such route')
          unknown.push(`${method} ${route}`);
      }
    }
    return unknown;
  };

  it('serves every route of docs/provincial-api.openapi.yaml', async () => {
    const token = (
      await clientCredentials(
        sims.provincialSso.issuer,
        {
          id: sims.credentials.provincialClient.clientId,
          secret: sims.credentials.provincialClient.clientSecret,
        },
        PROVINCIAL_SCOPE,
      )
    ).access_token;
    expect(await served(sims.provincialReports.url, token, 'provincial-api.openapi.yaml')).toEqual(
      [],
    );
  });

  it('serves every route of docs/national-api.openapi.yaml', async () => {
    const account = sims.credentials.nationalAccounts[0];
    const token = (
      await clientCredentials(
        sims.nationalIdp.issuer,
        { id: account.accountId, secret: account.secret },
        NATIONAL_SCOPE,
      )
    ).access_token;
    expect(await served(sims.nationalReports.url, token, 'national-api.openapi.yaml')).toEqual([]);
  });

  it('docs/simulators.md names every fault setting and every planted fault', () => {
    const text = readFileSync(path.join(docs, 'simulators.md'), 'utf8');
    for (const key of Object.keys(noFaults))
      expect({ key, documented: text.includes(`\`${key}\``) }).toEqual({ key, documented: true });
    for (const fault of sims.data.faults)
      expect({ kind: fault.kind, documented: text.includes(`\`${fault.kind}\``) }).toEqual({
        kind: fault.kind,
        documented: true,
      });
  });
});
