import type { RefreshTokenStore } from '../provincial/provincial.client';
import type { CredentialVault } from './credential-vault';

/** A person's provincial sign-in, kept in the vault: the most recent active one is used. */
export class VaultRefreshTokens implements RefreshTokenStore {
  constructor(private readonly vault: CredentialVault) {}

  async current(): Promise<{ account: string; refreshToken: string } | undefined> {
    const kept = await this.vault.openAll({ system: 'provincial', kind: 'refresh-token' });
    kept.sort((a, b) => b.credential.updatedAt.localeCompare(a.credential.updatedAt));
    const latest = kept[0];
    return latest ? { account: latest.credential.account, refreshToken: latest.secret } : undefined;
  }

  /** Stores a person's refresh token, replacing the one kept for them before. */
  async replace(account: string, refreshToken: string, actor = 'system'): Promise<void> {
    const [existing] = (
      await this.vault.list({ system: 'provincial', kind: 'refresh-token' })
    ).filter((credential) => credential.account === account);
    if (existing) {
      await this.vault.rotate(existing.id, refreshToken, actor, {
        reason: 'a new refresh token for the kept sign-in',
      });
      if (existing.status === 'disabled')
        await this.vault.setStatus(existing.id, 'active', actor, 'signed in again');
    } else {
      await this.vault.add(
        { system: 'provincial', kind: 'refresh-token', account, secret: refreshToken },
        actor,
        'a person signed in to the provincial SSO for the gateway',
      );
    }
  }
}
