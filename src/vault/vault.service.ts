import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { StandingFaults } from '../common/standing-faults.service';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { RemoteSystemError } from '../common/remote-system-error';
import { type AppConfig, InjectConfig } from '../config/app-config';
import { NationalClient } from '../national/national.client';
import { CredentialError, CredentialVault } from './credential-vault';
import { VaultKey } from './vault-key';
import { VaultNationalAccounts } from './vault-national-accounts';

/** The vault inside the gateway: the CLI and the admin API manage credentials through this. */
@Injectable()
export class VaultService implements OnApplicationBootstrap {
  readonly vault: CredentialVault;

  constructor(
    dataSource: DataSource,
    audit: AuditService,
    private readonly faults: StandingFaults,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.vault = new CredentialVault(dataSource, VaultKey.fromConfig(config), (event, manager) =>
      audit.record(event, manager),
    );
  }

  /**
   * Secrets sealed with another key than the configured one cannot be opened: said once, at
   * start, with both keys and what to do; the pushes pause and the replica does not report ready.
   */
  async onApplicationBootstrap(): Promise<void> {
    const others = await this.vault.sealedWithOtherKeys();
    if (!others.length) return;
    const sealed = others.map((other) => `${other.keyId} (${other.credentials})`).join(', ');
    this.faults.report({
      code: 'VAULT_KEY_MISMATCH',
      pauses: 'pushes',
      message:
        `Các bí mật trong kho được niêm phong bằng khóa ${sealed}, nhưng khóa đang cấu hình là ${this.vault.keyId}: ` +
        'không mở được tài khoản nào của đơn vị, nên việc gửi báo cáo tạm dừng. ' +
        (this.config.mode === 'demo'
          ? 'Chế độ demo: khóa demo nằm trong .data/vault/key; nếu đã xóa .data/, hãy xóa cả cơ sở dữ liệu demo (nơi nhật ký khởi động ghi) để bắt đầu lại.'
          : 'Đặt vault.keyFile (VAULT_KEY_FILE) về khóa đã niêm phong chúng rồi khởi động lại; muốn đổi khóa thì dùng `npm run cli -- vault rotate-key`.'),
      details: { sealedWith: others, configured: this.vault.keyId },
    });
  }

  /**
   * Signs in with a stored account, as the gateway would, and notes the outcome on the
   * credential (and in the audit trail). The secret never leaves the vault.
   */
  testLogin(id: string, actor: string): Promise<{ ok: boolean; message: string }> {
    return testNationalLogin(
      this.vault,
      () => new NationalClient(this.config, new VaultNationalAccounts(this.vault)),
      id,
      actor,
    );
  }
}

/**
 * Signs in with a stored national unit account now, as the gateway would, and notes the outcome
 * on the credential (and in the audit trail). The secret never leaves the vault. The CLI and the
 * admin API both test through this.
 */
export async function testNationalLogin(
  vault: CredentialVault,
  /** Made only once the credential is known to be a national account to test. */
  national: () => NationalClient,
  id: string,
  actor: string,
): Promise<{ ok: boolean; message: string }> {
  const credential = await vault.get(id);
  if (credential.status !== 'active')
    throw new CredentialError(
      'conflict',
      'CREDENTIAL_DISABLED',
      `Bí mật ${id} đang tạm ngừng: hãy bật lại (enable) trước khi thử`,
    );
  if (credential.system !== 'national' || credential.kind !== 'client-secret')
    throw new CredentialError(
      'invalid',
      'CREDENTIAL_NOT_TESTABLE',
      'Chỉ thử đăng nhập được tài khoản quốc gia của đơn vị; đăng nhập cấp tỉnh được thử khi dùng',
    );
  const opened = await vault.open(credential.system, credential.account, credential.kind);
  let outcome: { ok: boolean; message: string };
  try {
    await national().testLogin({
      accountId: credential.account,
      unitCode: credential.unitCode ?? '',
      rights: credential.rights,
      secret: opened!.secret,
    });
    outcome = { ok: true, message: `Tài khoản ${credential.account} đăng nhập được` };
  } catch (error) {
    if (!(error instanceof RemoteSystemError)) throw error;
    outcome = { ok: false, message: error.message };
  }
  await vault.noteCheck(id, outcome.ok ? 'ok' : outcome.message, actor);
  return outcome;
}
