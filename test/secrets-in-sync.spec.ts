import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { periodContaining } from '../src/catalog/periods';
import { remoteSystemsEnv, seedDemoVault } from '../src/simulators/demo';
import { signIn } from '../src/simulators/demo-sign-in';
import { startSimulators, type RunningSimulators } from '../src/simulators/simulators';
import { VaultService } from '../src/vault/vault.service';
import { freshDatabaseUrl } from './support/database';
import { startTestGateway, type TestGateway } from './support/gateway';

/**
 * A full demo sync (every unit of the province, the current quarter) through the gateway, then
 * every log line and every answer of the API is searched for every secret in play: account
 * secrets, passwords, signing keys, the vault and audit keys, and the bearer tokens used.
 */
describe('no secret in any log line or answer after a full demo sync', () => {
  let sims: RunningSimulators;
  let gateway: TestGateway;
  const secrets = new Map<string, string>();
  const answers: string[] = [];
  const vaultKey = 'OKPJWolEzV6x4w2rFogWyYKxCxVaDnL77PnJZkKmxpI=';
  const auditKey = generateKeyPairSync('ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();

  beforeAll(async () => {
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      redirectUris: ['http://127.0.0.1:9/callback'],
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-anchors-'));
    const anchors = path.join(dir, 'anchors.pem');
    writeFileSync(anchors, sims.credentials.signingAuthority.certificatePem);
    gateway = await startTestGateway({
      env: {
        LOG_LEVEL: 'debug',
        ...remoteSystemsEnv(sims),
        NATIONAL_SIGNING_TRUST_ANCHORS_FILE: anchors,
        ACCESS_ISSUER: sims.urls.provincialSso,
        ALLOW_PLAIN_HTTP_LOOPBACK: 'true',
        TRANSFERS_SCHEDULE_ENABLED: 'false',
        TRANSFERS_PUSH_CONCURRENCY: '16',
        AUDIT_SIGNING_KEY: auditKey,
        VAULT_KEY: vaultKey,
      },
      databaseUrl: await freshDatabaseUrl({ fromTemplate: true }),
    });
    await seedDemoVault(gateway.app.get(VaultService).vault, sims);

    const { credentials } = sims;
    secrets.set('provincial client secret', credentials.provincialClient.clientSecret);
    secrets.set('console client secret', credentials.consoleClient.clientSecret);
    secrets.set('vault key', vaultKey);
    secrets.set('audit signing key', auditKey.split('\n')[1]);
    for (const person of credentials.people)
      secrets.set(`password of ${person.username}`, person.password);
    for (const account of credentials.nationalAccounts)
      secrets.set(`secret of ${account.accountId}`, account.secret);
    for (const [unit, issued] of credentials.signingCertificates)
      secrets.set(`signing key of ${unit}`, issued.privateKeyPem.split('\n')[2]);
  });
  afterAll(async () => {
    await gateway?.close();
    await sims?.stop();
  });

  it('syncs the province and leaks nothing', async () => {
    const tokens: Record<string, string> = {};
    for (const role of ['operator', 'auditor', 'admin']) {
      tokens[role] = (
        await signIn(
          sims.provincialSso.issuer,
          {
            id: sims.credentials.consoleClient.clientId,
            secret: sims.credentials.consoleClient.clientSecret,
            redirectUri: sims.credentials.consoleClient.redirectUris[0],
          },
          sims.credentials.people.find((person) => person.role === role)!,
          sims.urls.gatewayApiResource,
        )
      ).access_token;
      secrets.set(`bearer token of ${role}`, tokens[role]);
    }
    const get = async (url: string, role = 'auditor') => {
      const response = await request(gateway.url)
        .get(url)
        .set('Authorization', `Bearer ${tokens[role]}`);
      answers.push(response.text);
      return response;
    };
    const period = periodContaining('quarter', new Date()).id;
    const started = await request(gateway.url)
      .post('/api/sync')
      .set('Authorization', `Bearer ${tokens.operator}`)
      .send({ periodId: period, reason: 'full demo sync' })
      .expect(200);
    answers.push(started.text);
    expect(started.body.transferIds.length).toBeGreaterThan(200);

    const deadline = Date.now() + 240_000;
    let open = Infinity;
    while (Date.now() < deadline && open > 0) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      open = (
        await get(`/api/transfers?period=${period}&status=mapped,pushing,pushed,unknown&limit=1000`)
      ).body.items.length;
    }
    expect(open).toBe(0);
    const failed = (await get(`/api/transfers?period=${period}&status=failed`)).body.items;
    expect(failed).toEqual([]);

    let after: string | null = null;
    const ids: string[] = [];
    do {
      const page = await get(
        `/api/transfers?period=${period}&limit=200${after ? `&after=${after}` : ''}`,
      );
      ids.push(...page.body.items.map((item: { id: string }) => item.id));
      after = page.body.nextAfter;
    } while (after);
    for (const id of ids.filter((_, index) => index % 10 === 0)) await get(`/api/transfers/${id}`);
    await get('/api/admin/credentials', 'admin');
    await get('/api/audit/export?format=jsonl');
    await get('/api/audit/verify');

    const haystack = [...gateway.logLines, ...answers].join('\n');
    const leaked = [...secrets]
      .filter(([, value]) => value && haystack.includes(value))
      .map(([name]) => name);
    expect(leaked).toEqual([]);
    // What was searched holds the accounts the secrets belong to (so the search could find them).
    expect(haystack).toContain('QNG-SO-TC.nhap');
    expect(haystack).toContain(sims.credentials.provincialClient.clientId);
  }, 300_000);
});
