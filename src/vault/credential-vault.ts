import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuditEventInput } from '../audit/audit-log';
import {
  CredentialEntity,
  type CredentialKind,
  type CredentialStatus,
  type CredentialSystem,
} from '../database/entities/credential.entity';
import { GatewayError } from '../common/gateway-error';
import { columnsOf, entityOf, preparedQuery } from '../database/prepared';
import { VaultKey } from './vault-key';

/** A refusal of the vault (never a secret in it). */
export class CredentialError extends GatewayError {}

export interface CredentialInput {
  system: CredentialSystem;
  account: string;
  kind: CredentialKind;
  unitCode?: string | null;
  rights?: string[];
  secret: string;
  details?: Record<string, unknown>;
}

/** A credential as shown to people and APIs: everything but the secret. */
export interface CredentialView {
  id: string;
  system: CredentialSystem;
  account: string;
  kind: CredentialKind;
  unitCode: string | null;
  rights: string[];
  status: CredentialStatus;
  keyId: string;
  version: number;
  details: Record<string, unknown>;
  lastCheckedAt: string | null;
  lastCheck: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CredentialFilters {
  system?: CredentialSystem;
  kind?: CredentialKind;
  unitCode?: string;
  status?: CredentialStatus;
}

type Recorder = (event: AuditEventInput, manager: EntityManager) => Promise<void>;

const SYSTEMS: CredentialSystem[] = ['provincial', 'national'];
const KINDS: CredentialKind[] = ['client-secret', 'refresh-token', 'signing-key'];
const RIGHTS = ['nhap', 'tong_hop', 'duyet', 'gui'];

/** What a sealed secret is bound to: a ciphertext copied to another row does not open. */
const bindingOf = (row: Pick<CredentialEntity, 'system' | 'account' | 'kind'>) =>
  `${row.system}|${row.account}|${row.kind}`;

/**
 * The credential vault: secrets sealed with AES-256-GCM in PostgreSQL, managed by the CLI and the
 * admin API, every change recorded through the audit module (never the secret itself).
 */
export class CredentialVault {
  private readonly listeners: Array<(credential: CredentialView) => void> = [];

  constructor(
    private readonly dataSource: DataSource,
    private key: VaultKey,
    private readonly record: Recorder,
  ) {}

  /**
   * Called after each credential this process adds, rotates, disables or enables: the clients
   * drop what they cached of it (another replica's change is seen when their caches expire).
   */
  onChange(listener: (credential: CredentialView) => void): void {
    this.listeners.push(listener);
  }

  private changed(credential: CredentialView): CredentialView {
    for (const listener of this.listeners) listener(credential);
    return credential;
  }

  get keyId(): string {
    return this.key.id;
  }

  /** The keys other than the configured one that stored secrets are sealed with, and how many. */
  async sealedWithOtherKeys(): Promise<Array<{ keyId: string; credentials: number }>> {
    const rows = await this.dataSource.query<Array<{ keyId: string; credentials: string }>>(
      `SELECT key_id AS "keyId", count(*)::text AS credentials FROM credential
        WHERE key_id <> $1 GROUP BY key_id ORDER BY key_id`,
      [this.key.id],
    );
    return rows.map((row) => ({ keyId: row.keyId, credentials: Number(row.credentials) }));
  }

  async add(input: CredentialInput, actor: string, reason?: string): Promise<CredentialView> {
    return this.changed(
      await this.dataSource.transaction((manager) => this.addWith(manager, input, actor, reason)),
    );
  }

  /** Adds several in one transaction: all of them or none. */
  addMany(inputs: CredentialInput[], actor: string, reason?: string): Promise<CredentialView[]> {
    return this.dataSource.transaction(async (manager) => {
      const added: CredentialView[] = [];
      for (const input of inputs) added.push(await this.addWith(manager, input, actor, reason));
      return added;
    });
  }

  private async addWith(
    manager: EntityManager,
    input: CredentialInput,
    actor: string,
    reason?: string,
  ): Promise<CredentialView> {
    const problems = checkInput(input);
    if (problems.length)
      throw new CredentialError('invalid', 'CREDENTIAL_INPUT_INVALID', problems.join('; '));
    {
      const existing = await manager.findOneBy(CredentialEntity, {
        system: input.system,
        account: input.account,
        kind: input.kind,
      });
      if (existing)
        throw new CredentialError(
          'conflict',
          'CREDENTIAL_EXISTS',
          `Đã lưu ${input.kind} của tài khoản ${input.system} ${input.account} (mã ${existing.id}): hãy thay bí mật (rotate) thay vì thêm mới`,
        );
      const row = manager.create(CredentialEntity, {
        id: randomUUID(),
        system: input.system,
        account: input.account,
        kind: input.kind,
        unitCode: input.unitCode ?? null,
        rights: input.rights ?? [],
        status: 'active',
        version: 1,
        details: input.details ?? {},
        lastCheckedAt: null,
        lastCheck: null,
      });
      Object.assign(row, this.sealFor(row, input.secret));
      await manager.save(CredentialEntity, row);
      await this.record(
        {
          actor,
          action: 'credential.added',
          outcome: 'ok',
          unitCode: row.unitCode,
          reason,
          details: describe(row),
        },
        manager,
      );
      return view(row);
    }
  }

  /** Replaces the secret (a new client secret, a renewed certificate and key, a new refresh token). */
  async rotate(
    id: string,
    secret: string,
    actor: string,
    options: { reason?: string; details?: Record<string, unknown> } = {},
  ): Promise<CredentialView> {
    if (!secret)
      throw new CredentialError('invalid', 'SECRET_EMPTY', 'secret: không được để trống', 'secret');
    return this.changed(
      await this.change(id, actor, 'credential.rotated', options.reason, (row) => {
        Object.assign(row, this.sealFor(row, secret));
        row.version += 1;
        if (options.details) row.details = options.details;
      }),
    );
  }

  async setStatus(
    id: string,
    status: CredentialStatus,
    actor: string,
    reason?: string,
  ): Promise<CredentialView> {
    return this.changed(
      await this.change(
        id,
        actor,
        status === 'disabled' ? 'credential.disabled' : 'credential.enabled',
        reason,
        (row) => {
          row.status = status;
        },
      ),
    );
  }

  /** Notes the outcome of a test login (or of a refused login in use). */
  async noteCheck(id: string, outcome: string, actor: string): Promise<void> {
    await this.change(id, actor, 'credential.tested', undefined, (row) => {
      row.lastCheckedAt = new Date();
      row.lastCheck = outcome;
    });
  }

  async list(filters: CredentialFilters = {}): Promise<CredentialView[]> {
    const rows = await this.dataSource.getRepository(CredentialEntity).find({
      where: { ...filters },
      order: { system: 'ASC', unitCode: 'ASC', account: 'ASC', kind: 'ASC' },
    });
    return rows.map(view);
  }

  async get(id: string): Promise<CredentialView> {
    return view(await this.row(this.dataSource.manager, id));
  }

  /** The active credential of an identity with its secret opened; for the gateway's own use only. */
  async open(
    system: CredentialSystem,
    account: string,
    kind: CredentialKind,
  ): Promise<{ credential: CredentialView; secret: string } | undefined> {
    const [row] = await this.activeRows({ system, account, kind });
    return row ? { credential: view(row), secret: this.key.open(row, bindingOf(row)) } : undefined;
  }

  /** Every active credential of a kind, opened (the national accounts of the units, say). */
  async openAll(
    filters: CredentialFilters & { kind: CredentialKind },
  ): Promise<Array<{ credential: CredentialView; secret: string }>> {
    const rows = await this.activeRows(filters);
    return rows.map((row) => ({
      credential: view(row),
      secret: this.key.open(row, bindingOf(row)),
    }));
  }

  /**
   * Active credentials matching `where`, by account: one prepared statement per set of fields
   * given, its rows made into entities by the entity's metadata. The pushes open each unit's
   * accounts and signing key through here; TypeORM's find built and read the same query at about
   * 3 % of a warm push's sampled CPU (docs/performance.md).
   */
  private async activeRows(
    where: Pick<CredentialEntity, 'kind'> &
      Partial<Pick<CredentialEntity, 'system' | 'unitCode' | 'account'>>,
  ): Promise<CredentialEntity[]> {
    const metadata = this.dataSource.getMetadata(CredentialEntity);
    const fields = (['system', 'kind', 'unitCode', 'account'] as const).filter(
      (field) => where[field] !== undefined,
    );
    const rows = await preparedQuery<Record<string, unknown>>(
      this.dataSource,
      `SELECT ${columnsOf(metadata.columns)} FROM credential
        WHERE status = 'active'${fields
          .map(
            (field, index) =>
              ` AND ${metadata.findColumnWithPropertyName(field)!.databaseName} = $${index + 1}`,
          )
          .join('')}
        ORDER BY account`,
      fields.map((field) => where[field]),
    );
    return rows.map((row) => entityOf<CredentialEntity>(metadata, row));
  }

  /**
   * Re-encrypts every stored secret under a new key in one transaction (all or nothing), then
   * uses the new key. Put the new key in the configuration before the next start.
   */
  async rotateKey(next: VaultKey, actor: string, reason?: string): Promise<{ count: number }> {
    const count = await this.dataSource.transaction(async (manager) => {
      await manager.query('LOCK TABLE credential, sign_in_request IN EXCLUSIVE MODE');
      const rows = await manager.find(CredentialEntity);
      for (const row of rows) {
        const secret = this.key.open(row, bindingOf(row));
        const sealed = next.seal(secret, bindingOf(row));
        await manager.update(CredentialEntity, { id: row.id }, sealed);
      }
      // Sign-ins in progress are cheaper to restart than to carry over.
      await manager.query('DELETE FROM sign_in_request');
      await this.record(
        {
          actor,
          action: 'vault.key-rotated',
          outcome: 'ok',
          reason,
          details: { fromKeyId: this.key.id, toKeyId: next.id, credentials: rows.length },
        },
        manager,
      );
      return rows.length;
    });
    this.key = next;
    return { count };
  }

  private sealFor(row: Pick<CredentialEntity, 'system' | 'account' | 'kind'>, secret: string) {
    return this.key.seal(secret, bindingOf(row));
  }

  private async row(manager: EntityManager, id: string, lock = false): Promise<CredentialEntity> {
    if (!/^[0-9a-f-]{36}$/i.test(id))
      throw new CredentialError(
        'invalid',
        'CREDENTIAL_ID_INVALID',
        `id: ${id} không phải mã bí mật (UUID)`,
        'id',
      );
    const row = await manager.findOne(CredentialEntity, {
      where: { id },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!row)
      throw new CredentialError('not-found', 'CREDENTIAL_NOT_FOUND', `Không có bí mật ${id}`, 'id');
    return row;
  }

  private change(
    id: string,
    actor: string,
    action: string,
    reason: string | undefined,
    apply: (row: CredentialEntity) => void,
  ): Promise<CredentialView> {
    return this.dataSource.transaction(async (manager) => {
      const row = await this.row(manager, id, true);
      apply(row);
      await manager.save(CredentialEntity, row);
      await this.record(
        { actor, action, outcome: 'ok', unitCode: row.unitCode, reason, details: describe(row) },
        manager,
      );
      return view(row);
    });
  }
}

function checkInput(input: CredentialInput): string[] {
  const problems: string[] = [];
  if (!SYSTEMS.includes(input.system))
    problems.push(`system: phải là một trong ${SYSTEMS.join(', ')}`);
  if (!KINDS.includes(input.kind)) problems.push(`kind: phải là một trong ${KINDS.join(', ')}`);
  if (!input.account || !/^[\p{L}\p{N}._@:-]{1,200}$/u.test(input.account))
    problems.push('account: chỉ gồm chữ, số và . _ @ : -, từ 1 đến 200 ký tự');
  if (!input.secret) problems.push('secret: không được để trống');
  const bad = (input.rights ?? []).filter((right) => !RIGHTS.includes(right));
  if (bad.length) problems.push(`rights: ${bad.join(', ')} không thuộc ${RIGHTS.join(', ')}`);
  if (input.system === 'national' && input.kind === 'client-secret') {
    if (!input.unitCode) problems.push('unitCode: tài khoản quốc gia phải thuộc một đơn vị');
    if (!input.rights?.length) problems.push('rights: tài khoản quốc gia cần ít nhất một quyền');
  }
  if (input.kind === 'signing-key' && !input.unitCode)
    problems.push('unitCode: khóa ký số phải thuộc một đơn vị');
  return problems;
}

/** What the audit trail keeps of a credential: identity, state and key id; never the secret. */
function describe(row: CredentialEntity): Record<string, unknown> {
  return {
    credentialId: row.id,
    system: row.system,
    account: row.account,
    kind: row.kind,
    rights: row.rights,
    status: row.status,
    version: row.version,
    keyId: row.keyId,
  };
}

function view(row: CredentialEntity): CredentialView {
  return {
    id: row.id,
    system: row.system,
    account: row.account,
    kind: row.kind,
    unitCode: row.unitCode,
    rights: row.rights,
    status: row.status,
    keyId: row.keyId,
    version: row.version,
    details: row.details,
    lastCheckedAt: row.lastCheckedAt ? new Date(row.lastCheckedAt).toISOString() : null,
    lastCheck: row.lastCheck,
    createdAt: new Date(row.createdAt ?? Date.now()).toISOString(),
    updatedAt: new Date(row.updatedAt ?? Date.now()).toISOString(),
  };
}
