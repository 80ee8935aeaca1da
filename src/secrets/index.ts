export type { SecretSealer } from './types.js';
export { createSealer, sealerFromKey, kekIdOf, SealedValueError, type CreatedSealer } from './sealer.js';
export { parseKek, KekConfigError, KEK_ENV_VAR, KEK_FILE_NAME, type KekSource } from './kek.js';
