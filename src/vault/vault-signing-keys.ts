import type { SigningKeySource, SigningMaterial } from '../national/unit-signer';
import type { CredentialVault } from './credential-vault';

/** Units' signing keys from the vault: the key sealed, the chain in the credential's details. */
export class VaultSigningKeys implements SigningKeySource {
  constructor(private readonly vault: CredentialVault) {}

  async signingKeyOf(unitCode: string): Promise<SigningMaterial | undefined> {
    const opened = await this.vault.open('national', unitCode, 'signing-key');
    if (!opened) return undefined;
    const chainPem = opened.credential.details.chainPem;
    return {
      privateKeyPem: opened.secret,
      chainPem: Array.isArray(chainPem) ? chainPem.map(String) : [],
    };
  }
}
