import { Injectable } from '@nestjs/common';
import { DataSource, LessThan } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { RemoteSystemError } from '../common/remote-system-error';
import { type AppConfig, InjectConfig } from '../config/app-config';
import { ProvincialSso } from '../provincial/provincial-sso';
import { CredentialError } from './credential-vault';
import { SignInRequestEntity } from '../database/entities/sign-in-request.entity';
import { VaultKey } from './vault-key';
import { VaultRefreshTokens } from './vault-refresh-tokens';
import { VaultService } from './vault.service';

const SIGN_IN_MINUTES = 10;

/**
 * A person's sign-in to the provincial SSO for the gateway (provincial.signIn: person): an admin
 * asks for an authorization URL, signs in there, and the SSO's redirect to the callback (any
 * replica) lets the gateway exchange the code and keep the refresh token in the vault.
 */
@Injectable()
export class ProvincialSignInService {
  private readonly sso: ProvincialSso;
  private readonly key: VaultKey;

  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: VaultService,
    private readonly audit: AuditService,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.sso = new ProvincialSso(config);
    this.key = VaultKey.fromConfig(config);
  }

  async begin(actor: string): Promise<{ authorizationUrl: string; expiresAt: string }> {
    if (this.config.provincial.signIn !== 'person')
      throw new CredentialError(
        'conflict',
        'PERSON_SIGN_IN_NOT_USED',
        'provincial.signIn là service: cổng đọc bằng tài khoản dịch vụ của mình, không cần ai đăng nhập',
      );
    const request = await this.sso.authorizationRequest();
    const expiresAt = new Date(Date.now() + SIGN_IN_MINUTES * 60_000);
    const repository = this.dataSource.getRepository(SignInRequestEntity);
    await repository.delete({ expiresAt: LessThan(new Date()) });
    await repository.insert({
      state: request.state,
      requestedBy: actor,
      ...this.key.seal(request.codeVerifier, `sign-in|${request.state}`),
      expiresAt,
      completedAt: null,
    });
    await this.audit.record({
      actor,
      action: 'provincial.sign-in-started',
      outcome: 'ok',
      details: { expiresAt: expiresAt.toISOString() },
    });
    return { authorizationUrl: request.url, expiresAt: expiresAt.toISOString() };
  }

  /** The callback: one use per state, within its ten minutes. */
  async complete(callbackUrl: URL): Promise<{ account: string; name: string | null }> {
    const state = callbackUrl.searchParams.get('state');
    const error = callbackUrl.searchParams.get('error');
    if (error)
      throw new CredentialError(
        'invalid',
        'SSO_SIGN_IN_REFUSED',
        `SSO từ chối đăng nhập: ${error} ${callbackUrl.searchParams.get('error_description') ?? ''}`.trim(),
      );
    if (!state)
      throw new CredentialError(
        'invalid',
        'SIGN_IN_STATE_MISSING',
        'state: thiếu trong lời gọi trở về từ SSO',
        'state',
      );
    const claimed = await this.dataSource.transaction(async (manager) => {
      const row = await manager.findOne(SignInRequestEntity, {
        where: { state },
        lock: { mode: 'pessimistic_write' },
      });
      if (!row || row.completedAt || row.expiresAt.getTime() < Date.now()) return undefined;
      row.completedAt = new Date();
      await manager.save(row);
      return row;
    });
    if (!claimed)
      throw new CredentialError(
        'invalid',
        'SIGN_IN_STATE_UNKNOWN',
        'state: không rõ, đã dùng hoặc đã hết hạn: hãy bắt đầu đăng nhập lại',
        'state',
      );
    const codeVerifier = this.key.open(claimed, `sign-in|${state}`);
    try {
      const signedIn = await this.sso.completeSignIn(callbackUrl, { state, codeVerifier });
      await new VaultRefreshTokens(this.vault.vault).replace(
        signedIn.account,
        signedIn.refreshToken,
        claimed.requestedBy,
      );
      await this.audit.record({
        actor: claimed.requestedBy,
        action: 'provincial.signed-in',
        outcome: 'ok',
        details: { account: signedIn.account },
      });
      return { account: signedIn.account, name: signedIn.name };
    } catch (failure) {
      if (!(failure instanceof RemoteSystemError)) throw failure;
      await this.audit.record({
        actor: claimed.requestedBy,
        action: 'provincial.signed-in',
        outcome: 'failed',
        details: { error: failure.message },
      });
      throw new CredentialError('invalid', 'SSO_SIGN_IN_FAILED', `SSO: ${failure.message}`);
    }
  }
}
