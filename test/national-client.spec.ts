import { DataSource } from 'typeorm';
import { RemoteSystemError } from '../src/common/remote-system-error';
import { loadConfig } from '../src/config/load-config';
import { dataSourceOptions } from '../src/database/data-source-options';
import { NationalIdp } from '../src/national/national-idp';
import { NationalClient, NationalRejection } from '../src/national/national.client';
import { startSimulators, type RunningSimulators } from '../src/simulators/simulators';
import { CredentialVault } from '../src/vault/credential-vault';
import { VaultKey } from '../src/vault/vault-key';
import { VaultNationalAccounts } from '../src/vault/vault-national-accounts';
import { freshDatabaseUrl } from './support/database';
import { ii06aPacket, signed } from './support/national-fixtures';
import { remoteSystemsEnv } from '../src/simulators/demo';

/** The national client over real HTTP against the simulated national system and IdP, accounts from the vault. */
describe('the national client, one unit account per step', () => {
  let sims: RunningSimulators;
  let dataSource: DataSource;
  let vault: CredentialVault;
  const config = () =>
    loadConfig({
      env: {
        ...remoteSystemsEnv(sims),
        AUDIT_SIGNING_KEY_FILE: '/nonexistent/only-checked-when-used.pem',
        VAULT_KEY_FILE: '/nonexistent/only-checked-when-used.key',
        ALLOW_PLAIN_HTTP_LOOPBACK: 'true',
      },
    });
  const counters = async (origin: string) =>
    (await (await fetch(`${origin}/__admin/counters`)).json()) as Record<string, any>;
  const reset = (origin: string) => fetch(`${origin}/__admin/reset`, { method: 'POST' });
  const report = (id: string) => sims.data.reports.find((candidate) => candidate.reportId === id)!;
  const client = () => new NationalClient(config(), new VaultNationalAccounts(vault));

  beforeAll(async () => {
    sims = await startSimulators({
      ports: { provincialReports: 0, provincialSso: 0, nationalReports: 0, nationalIdp: 0 },
      asOf: new Date('2026-11-27T12:00:00Z'),
    });
    dataSource = await new DataSource(
      dataSourceOptions(await freshDatabaseUrl({ fromTemplate: true }), 4),
    ).initialize();
    vault = new CredentialVault(dataSource, VaultKey.generate(), () => Promise.resolve());
    for (const account of sims.credentials.nationalAccounts) {
      if (!/^QNG-(SO-TC|SO-XD|H-BATO-X01|X-0[1-4]0)\./.test(account.accountId)) continue;
      await vault.add(
        {
          system: 'national',
          kind: 'client-secret',
          account: account.accountId,
          unitCode: account.unitCode,
          rights: account.rights,
          secret: account.secret,
        },
        'test',
      );
    }
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await sims?.stop();
  });

  beforeEach(async () => {
    await reset(sims.nationalIdp.issuer);
    await reset(sims.nationalReports.origin);
  });

  it('a commune enters, approves and sends with its one account', async () => {
    const national = client();
    const packet = ii06aPacket(report('2025-Q3.QNG-X-010.KSTT'), 'TT-01-2020-VPCP', 'ck-x010');
    const stored = await national.submit(packet, { idempotencyKey: 'ck-x010:submit' });
    expect(stored).toMatchObject({ account: 'QNG-X-010.canbo', status: 201 });
    await national.approve('QNG-X-010', stored.response.submissionId, 'ck-x010:approve');
    const sent = await national.send('QNG-X-010', stored.response.submissionId, 'ck-x010:send');
    expect(sent.response.status).toMatch(/sent|received/);
    const found = await national.findByClientReference('QNG-X-010', { clientReference: 'ck-x010' });
    expect(found?.submissionId).toBe(stored.response.submissionId);
    expect(
      await national.findByClientReference('QNG-X-010', { clientReference: 'nope' }),
    ).toBeUndefined();
  });

  it('a department uses its nhập, duyệt and gửi accounts, each for its own step', async () => {
    const national = client();
    const certificate = sims.credentials.signingCertificates.get('QNG-SO-TC')!;
    const packet = await signed(
      ii06aPacket(report('2025-Q1.QNG-SO-TC.KSTT'), 'TT-01-2020-VPCP', 'ck-sotc'),
      certificate,
    );
    const stored = await national.submit(packet, { idempotencyKey: 'ck-sotc:submit' });
    const approved = await national.approve(
      'QNG-SO-TC',
      stored.response.submissionId,
      'ck-sotc:approve',
    );
    const sent = await national.send('QNG-SO-TC', stored.response.submissionId, 'ck-sotc:send');
    expect([stored.account, approved.account, sent.account]).toEqual([
      'QNG-SO-TC.nhap',
      'QNG-SO-TC.duyet',
      'QNG-SO-TC.gui',
    ]);
    const detail = await national.submission('QNG-SO-TC', stored.response.submissionId);
    expect(detail.history.map((change) => `${change.status} ${change.by}`)).toEqual(
      expect.arrayContaining([
        'draft QNG-SO-TC.nhap',
        'approved QNG-SO-TC.duyet',
        'sent QNG-SO-TC.gui',
      ]),
    );
  });

  it('never borrows another unit’s account: a unit without one is refused, naming unit and right', async () => {
    const national = client();
    const packet = ii06aPacket(report('2025-Q3.QNG-X-050.KSTT'), 'TT-01-2020-VPCP');
    await expect(national.submit(packet, { idempotencyKey: 'x050' })).rejects.toMatchObject({
      name: 'RemoteSystemError',
      retryable: false,
      code: 'UNIT_ACCOUNT_MISSING',
      message: 'Đơn vị QNG-X-050 không có tài khoản quốc gia đang hoạt động có quyền "nhap"',
    });
    expect((await counters(sims.nationalReports.origin)).byStatus ?? {}).toEqual({});
  });

  it('100 concurrent calls for one account make one token request', async () => {
    const national = client();
    await Promise.all(Array.from({ length: 100 }, () => national.submissions('QNG-X-020')));
    expect((await counters(sims.nationalIdp.issuer)).tokensIssued).toBe(1);
    expect((await counters(sims.nationalReports.origin)).byStatus).toEqual({ '200': 100 });
  });

  it('a revoked token is dropped and the call tried once more with a new one', async () => {
    const national = client();
    await national.submissions('QNG-X-030');
    sims.nationalIdp.revoke('QNG-X-030.canbo');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await national.submissions('QNG-X-030');
    expect((await counters(sims.nationalIdp.issuer)).tokensIssued).toBe(2);
    expect((await counters(sims.nationalReports.origin)).byStatus).toEqual({ '200': 2, '401': 1 });
  });

  it('a disabled account is a non-retryable error naming it, without a storm of token requests', async () => {
    const national = client();
    sims.nationalIdp.disable('QNG-X-040.canbo');
    try {
      const errors = await Promise.all(
        Array.from({ length: 50 }, () =>
          national.submissions('QNG-X-040').catch((error: unknown) => error),
        ),
      );
      for (const error of errors) {
        expect(error).toBeInstanceOf(RemoteSystemError);
        expect(error).toMatchObject({
          system: 'national-idp',
          retryable: false,
          account: 'QNG-X-040.canbo',
        });
      }
      await expect(national.submissions('QNG-X-040')).rejects.toMatchObject({
        account: 'QNG-X-040.canbo',
      });
      expect((await counters(sims.nationalIdp.issuer)).byRoute['POST /token']).toBe(1);
    } finally {
      await fetch(`${sims.nationalIdp.issuer}/__admin/accounts/QNG-X-040.canbo/enable`, {
        method: 'POST',
      });
    }
  });

  it('content the national system refuses is a NationalRejection with every field problem', async () => {
    const national = client();
    const packet = ii06aPacket(report('2025-Q1.QNG-H-BATO-X01.KSTT'), 'TT-01-2020-VPCP');
    packet.body.rows[0].cells['3'] = -1;
    const error = await national
      .submit(packet, { idempotencyKey: 'bad-x01' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NationalRejection);
    expect(error).toMatchObject({ status: 422, retryable: false, account: 'QNG-H-BATO-X01.canbo' });
    expect((error as NationalRejection).errors.length).toBeGreaterThan(0);
    expect((error as NationalRejection).errors[0]).toMatchObject({
      field: expect.any(String),
      rule: expect.any(String),
      message: expect.any(String),
    });
  });

  it('signs an account in with the secret it holds now: one rotated is used, the old one refused', async () => {
    const idp = new NationalIdp(config());
    const account = sims.credentials.nationalAccounts.find((one) =>
      one.accountId.startsWith('QNG-X-020.'),
    )!;
    const refused = (secret: string) =>
      idp.token(account.accountId, secret).then(
        () => undefined,
        (error: RemoteSystemError) => error.code,
      );
    expect(await refused('not-its-secret')).toBe('REMOTE_ACCOUNT_REFUSED');
    expect((await idp.token(account.accountId, account.secret)).accessToken).toEqual(
      expect.any(String),
    );
    expect(await refused('not-its-secret')).toBe('REMOTE_ACCOUNT_REFUSED');
    expect(await refused(account.secret)).toBeUndefined();
    expect((await counters(sims.nationalIdp.issuer)).tokensIssued).toBe(2);
  });
});
