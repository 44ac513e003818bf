import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { AuditEventInput } from '../src/audit/audit-log';
import { dataSourceOptions } from '../src/database/data-source-options';
import { CredentialError, CredentialVault } from '../src/vault/credential-vault';
import { VaultKey, VaultKeyError } from '../src/vault/vault-key';
import { freshDatabaseUrl } from './support/database';

/** The credential vault on a real PostgreSQL: sealed at rest, bound to its row, key rotation, audited. */
describe('the credential vault', () => {
  let url: string;
  let dataSource: DataSource;
  const recorded: AuditEventInput[] = [];
  const secret = 'national-secret-Zq9vX2LmPp0a';

  beforeAll(async () => {
    url = await freshDatabaseUrl({ fromTemplate: true });
    dataSource = await new DataSource(dataSourceOptions(url, 4)).initialize();
  });
  afterAll(() => dataSource.destroy());

  const raw = async (sql: string) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as Array<Record<string, unknown>>;
    } finally {
      await client.end();
    }
  };
  const newVault = (key: VaultKey) =>
    new CredentialVault(dataSource, key, (event) => {
      recorded.push(event);
      return Promise.resolve();
    });

  it('stores secrets sealed: not in any column, opened only with the key, never in a view or an audit record', async () => {
    const key = VaultKey.generate();
    const vault = newVault(key);
    const added = await vault.add(
      {
        system: 'national',
        kind: 'client-secret',
        account: 'QNG-X-001.canbo',
        unitCode: 'QNG-X-001',
        rights: ['nhap', 'duyet', 'gui'],
        secret,
      },
      'quantri@quangngai.gov.vn',
      'new commune account',
    );
    expect(JSON.stringify(added)).not.toContain(secret);
    expect(added).toMatchObject({ status: 'active', version: 1, keyId: key.id });
    const rows = await raw("SELECT * FROM credential WHERE account = 'QNG-X-001.canbo'");
    const dump = JSON.stringify(rows, (_name, value: unknown) =>
      Buffer.isBuffer(value) ? value.toString('latin1') : value,
    );
    expect(dump).not.toContain(secret);
    expect((await vault.open('national', 'QNG-X-001.canbo', 'client-secret'))?.secret).toBe(secret);
    expect(JSON.stringify(recorded)).not.toContain(secret);
    expect(recorded.at(-1)).toMatchObject({
      actor: 'quantri@quangngai.gov.vn',
      action: 'credential.added',
      unitCode: 'QNG-X-001',
      reason: 'new commune account',
    });
    await expect(
      newVault(VaultKey.generate()).open('national', 'QNG-X-001.canbo', 'client-secret'),
    ).rejects.toThrow(VaultKeyError);
  });

  it('a sealed secret copied onto another row does not open', async () => {
    const vault = newVault(VaultKey.generate());
    const a = await vault.add(
      {
        system: 'national',
        kind: 'client-secret',
        account: 'QNG-X-002.canbo',
        unitCode: 'QNG-X-002',
        rights: ['nhap'],
        secret: 'a-secret',
      },
      'admin',
    );
    await vault.add(
      {
        system: 'national',
        kind: 'client-secret',
        account: 'QNG-X-003.canbo',
        unitCode: 'QNG-X-003',
        rights: ['nhap'],
        secret: 'b-secret',
      },
      'admin',
    );
    await raw(
      `UPDATE credential SET (key_id, nonce, ciphertext, tag) = (SELECT key_id, nonce, ciphertext, tag FROM credential WHERE id = '${a.id}') WHERE account = 'QNG-X-003.canbo'`,
    );
    await expect(vault.open('national', 'QNG-X-003.canbo', 'client-secret')).rejects.toMatchObject({
      code: 'SECRET_TAMPERED',
    });
  });

  it('refuses bad input naming each field, duplicates with 409, unknown ids with 404', async () => {
    const vault = newVault(VaultKey.generate());
    const error = await vault
      .add(
        { system: 'national', kind: 'client-secret', account: 'bad account!', secret: '' } as never,
        'admin',
      )
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CredentialError);
    expect(error).toMatchObject({ kind: 'invalid', code: 'CREDENTIAL_INPUT_INVALID' });
    for (const field of ['account', 'secret', 'unitCode', 'rights'])
      expect((error as Error).message).toContain(`${field}:`);
    const input = {
      system: 'national' as const,
      kind: 'client-secret' as const,
      account: 'QNG-X-004.canbo',
      unitCode: 'QNG-X-004',
      rights: ['nhap'],
      secret: 's',
    };
    await vault.add(input, 'admin');
    await expect(vault.add(input, 'admin')).rejects.toMatchObject({
      kind: 'conflict',
      code: 'CREDENTIAL_EXISTS',
    });
    await expect(vault.get('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      kind: 'not-found',
      code: 'CREDENTIAL_NOT_FOUND',
    });
  });

  it('rotates a secret and disables an account: a disabled one is never opened', async () => {
    const vault = newVault(VaultKey.generate());
    const added = await vault.add(
      {
        system: 'national',
        kind: 'client-secret',
        account: 'QNG-X-005.canbo',
        unitCode: 'QNG-X-005',
        rights: ['nhap'],
        secret: 'old',
      },
      'admin',
    );
    const rotated = await vault.rotate(added.id, 'new-secret', 'admin', { reason: 'leaked' });
    expect(rotated.version).toBe(2);
    expect((await vault.open('national', 'QNG-X-005.canbo', 'client-secret'))?.secret).toBe(
      'new-secret',
    );
    await vault.setStatus(added.id, 'disabled', 'admin', 'staff left');
    expect(await vault.open('national', 'QNG-X-005.canbo', 'client-secret')).toBeUndefined();
    expect(recorded.slice(-2).map((event) => event.action)).toEqual([
      'credential.rotated',
      'credential.disabled',
    ]);
  });

  it('key rotation re-encrypts every secret under the new key, all in one transaction', async () => {
    const oldKey = VaultKey.generate();
    const vault = newVault(oldKey);
    await vault.add(
      {
        system: 'national',
        kind: 'client-secret',
        account: 'QNG-X-006.canbo',
        unitCode: 'QNG-X-006',
        rights: ['nhap'],
        secret: 'six',
      },
      'admin',
    );
    // Rows sealed by the earlier tests' keys cannot be opened with this one: rotation refuses, changing nothing.
    await expect(vault.rotateKey(VaultKey.generate(), 'admin')).rejects.toThrow(VaultKeyError);
    await raw(`DELETE FROM credential WHERE key_id <> '${oldKey.id}'`);
    const newKey = VaultKey.generate();
    const { count } = await vault.rotateKey(newKey, 'admin', 'yearly rotation');
    expect(count).toBe(1);
    expect(await raw('SELECT DISTINCT key_id FROM credential')).toEqual([{ key_id: newKey.id }]);
    expect(
      (await newVault(newKey).open('national', 'QNG-X-006.canbo', 'client-secret'))?.secret,
    ).toBe('six');
    await expect(
      newVault(oldKey).open('national', 'QNG-X-006.canbo', 'client-secret'),
    ).rejects.toThrow(VaultKeyError);
    expect(recorded.at(-1)).toMatchObject({
      action: 'vault.key-rotated',
      details: { fromKeyId: oldKey.id, toKeyId: newKey.id, credentials: 1 },
    });
  });

  it('a vault key must be 32 bytes of base64', () => {
    expect(() => VaultKey.parse('c2hvcnQ=')).toThrow(
      expect.objectContaining({ code: 'VAULT_KEY_LENGTH' }),
    );
    expect(() => VaultKey.parse('not base64 at all!')).toThrow(
      expect.objectContaining({ code: 'VAULT_KEY_NOT_BASE64' }),
    );
    const key = VaultKey.generate();
    expect(VaultKey.parse(key.toText()).id).toBe(key.id);
  });
});
