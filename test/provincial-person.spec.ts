import request from 'supertest';
import { generateKeyPairSync } from 'node:crypto';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/load-config';
import { dataSourceOptions } from '../src/database/data-source-options';
import { ProvincialClient } from '../src/provincial/provincial.client';
import { browseSignIn, signIn } from '../src/simulators/demo-sign-in';
import { startSimulators, type RunningSimulators } from '../src/simulators/simulators';
import { CredentialVault } from '../src/vault/credential-vault';
import { VaultKey } from '../src/vault/vault-key';
import { VaultRefreshTokens } from '../src/vault/vault-refresh-tokens';
import { freshDatabaseUrl } from './support/database';
import { freePort, startTestGateway, type TestGateway } from './support/gateway';

/**
 * provincial.signIn: person. An admin starts the sign-in through the API, a person signs in at the
 * SSO, the SSO redirects to the gateway's callback, and the gateway keeps the refresh token in the
 * vault and reads the provincial system with it, refreshing as it goes.
 */
describe("a person's provincial sign-in kept by the gateway", () => {
  let sims: RunningSimulators;
  let gateway: TestGateway;
  let databaseUrl: string;
  let callback: string;
  const vaultKey = VaultKey.generate();
  const env = () => ({
    PROVINCIAL_BASE_URL: sims.urls.provincialReports,
    PROVINCIAL_SSO_ISSUER: sims.urls.provincialSso,
    PROVINCIAL_CLIENT_ID: sims.credentials.provincialClient.clientId,
    PROVINCIAL_CLIENT_SECRET: sims.credentials.provincialClient.clientSecret,
    PROVINCIAL_SIGN_IN: 'person',
    PROVINCIAL_REDIRECT_URI: callback,
    NATIONAL_BASE_URL: sims.urls.nationalReports,
    NATIONAL_IDP_ISSUER: sims.urls.nationalIdp,
    ACCESS_ISSUER: sims.urls.provincialSso,
    ALLOW_PLAIN_HTTP_LOOPBACK: 'true',
    AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
    VAULT_KEY: vaultKey.toText(),
  });
  const person = (role: string) =>
    sims.credentials.people.find((candidate) => candidate.role === role)!;

  beforeAll(async () => {
    const port = await freePort();
    callback = `http://127.0.0.1:${port}/api/auth/provincial/callback`;
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      gatewayRedirectUris: [callback],
      redirectUris: ['http://127.0.0.1:9/callback'],
    });
    databaseUrl = await freshDatabaseUrl({ fromTemplate: true });
    gateway = await startTestGateway({ env: env(), databaseUrl, port });
  });
  afterAll(async () => {
    await gateway?.close();
    await sims?.stop();
  });

  const adminToken = async () =>
    (
      await signIn(
        sims.provincialSso.issuer,
        {
          id: sims.credentials.consoleClient.clientId,
          secret: sims.credentials.consoleClient.clientSecret,
          redirectUri: sims.credentials.consoleClient.redirectUris[0],
        },
        person('admin'),
        sims.urls.gatewayApiResource,
      )
    ).access_token;

  it('signs a person in through the callback, keeps the refresh token sealed, and reads with it', async () => {
    const dataSource = await new DataSource(dataSourceOptions(databaseUrl, 2)).initialize();
    try {
      const vault = new CredentialVault(dataSource, vaultKey, () => Promise.resolve());
      const client = new ProvincialClient(loadConfig({ env: env() }), {
        signIns: new VaultRefreshTokens(vault),
      });
      await expect(client.periods()).rejects.toMatchObject({
        retryable: false,
        code: 'SSO_NO_SIGN_IN',
        message: expect.stringContaining('Chưa ai đăng nhập SSO Quảng Ngãi'),
      });

      const started = await request(gateway.url)
        .post('/api/admin/provincial/sign-in')
        .set('Authorization', `Bearer ${await adminToken()}`)
        .expect(201);
      const { authorizationUrl } = started.body as { authorizationUrl: string };
      expect(authorizationUrl).toContain('code_challenge_method=S256');
      const back = await browseSignIn(
        authorizationUrl,
        sims.provincialSso.issuer,
        person('operator'),
        callback,
      );
      const landed = await request(gateway.url)
        .get(back.pathname + back.search)
        .expect(200);
      expect(landed.body).toMatchObject({ signedIn: person('operator').username });
      // The same callback twice is refused: a state is good once.
      await request(gateway.url)
        .get(back.pathname + back.search)
        .expect(400);

      const [kept] = await vault.list({ system: 'provincial', kind: 'refresh-token' });
      expect(kept).toMatchObject({ account: person('operator').username, status: 'active' });
      const raw = await dataSource.query<Array<{ ciphertext: Buffer }>>(
        'SELECT ciphertext FROM credential WHERE id = $1',
        [kept.id],
      );
      const secret = (await vault.open('provincial', kept.account, 'refresh-token'))!.secret;
      expect(raw[0].ciphertext.toString('latin1')).not.toContain(secret);
      expect(gateway.logLines.join('\n')).not.toContain(secret);

      const fresh = new ProvincialClient(loadConfig({ env: env() }), {
        signIns: new VaultRefreshTokens(vault),
      });
      expect((await fresh.periods()).length).toBeGreaterThan(0);

      // A revoked sign-in is a non-retryable error naming the person's account.
      sims.provincialSso.revoke(person('operator').username);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const revoked = new ProvincialClient(loadConfig({ env: env() }), {
        signIns: new VaultRefreshTokens(vault),
      });
      await expect(revoked.periods()).rejects.toMatchObject({
        retryable: false,
        account: person('operator').username,
      });
    } finally {
      await dataSource.destroy();
    }
  });

  it('a callback with an unknown state is a 400 and stores nothing', async () => {
    const response = await request(gateway.url)
      .get('/api/auth/provincial/callback?code=abc&state=forged')
      .expect(400);
    expect(response.body.message).toContain('state');
  });
});
