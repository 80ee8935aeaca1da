// The auth module's public surface: token validation, Graph permissions, the development issuer.
export { AuthError, type Authenticator, type Principal } from './types.js';
export { createAuthenticator, type AuthOptions, type ServerAuthenticator } from './authenticator.js';
export { createAuth, type AuthMode, type AuthSettings, type AuthSetup } from './setup.js';
export {
  DevIssuer,
  DEV_SIGNING_KEY_FILE,
  derivedGuid,
  toOrigin,
  type ClientCheck,
  type DevIssuerOptions,
  type DevTokenRequest,
} from './dev-issuer.js';
export {
  defaultDevDirectory,
  loadDevDirectory,
  parseDevDirectory,
  type DevClient,
  type DevDirectory,
  type DevTenant,
} from './dev-config.js';
export {
  entraIssuers,
  IssuerUnavailableError,
  loadTrustedIssuers,
  parseTrustedIssuers,
  type JwksTuning,
  type TrustedIssuerConfig,
} from './issuers.js';
export { authorize } from './permissions.js';
export { readSecretFile, writeSecretFileOnce } from './secret-file.js';
export * from './constants.js';
