// Encryption at rest: the domain seals secrets (private keys, basic-auth passwords) before they reach the store,
// and opens them only when it needs them (the outbound call). The store only ever sees sealed strings.

export interface SecretSealer {
  /**
   * Encrypt `plaintext` with a fresh data key (AES-256-GCM), wrap the data key with the key-encryption key,
   * and return one self-describing ASCII string. `context` is bound as additional authenticated data
   * (e.g. `${tenantId}/${connectorId}/basic`), so a sealed value moved to another record fails to open.
   */
  seal(plaintext: Buffer, context: string): string;
  /** Inverse of seal; throws if the value was tampered with or the context differs. */
  open(sealed: string, context: string): Buffer;
  /** Identifier of the key-encryption key (not secret), stored beside sealed values for rotation. */
  readonly kekId: string;
}
