// One call that turns the server's auth settings into an authenticator (and the dev issuer, when enabled).
import { createAuthenticator, type AuthOptions, type ServerAuthenticator } from './authenticator.js';
import { DevIssuer } from './dev-issuer.js';
import { loadTrustedIssuers, type TrustedIssuerConfig } from './issuers.js';

export type AuthMode = 'development' | 'production';

export interface AuthSettings {
  /** development (default): the built-in issuer is on; production: only trusted issuers. */
  mode: AuthMode;
  dataDir: string;
  /** Trusted issuers, or a spec for loadTrustedIssuers: "entra", inline JSON, or a JSON file path. */
  trustedIssuers?: TrustedIssuerConfig[] | string;
  /** The server's public URLs: accepted as `aud`, and as dev-issuer origins. */
  publicUrls?: string[];
  /** More accepted `aud` values, e.g. the App ID URI / client id of an Entra app registration for this API. */
  audiences?: string[];
  /** Dev issuer: extra tenants and clients (JSON file). */
  devConfigPath?: string;
  /** Passed through to createAuthenticator. */
  authenticator?: Omit<AuthOptions, 'trustedIssuers' | 'devIssuer' | 'audiences'>;
}

export interface AuthSetup {
  authenticator: ServerAuthenticator;
  /** Present in development mode: register src/http/issuer-routes.ts with it. */
  devIssuer?: DevIssuer;
}

export async function createAuth(settings: AuthSettings): Promise<AuthSetup> {
  const trustedIssuers =
    typeof settings.trustedIssuers === 'string'
      ? await loadTrustedIssuers(settings.trustedIssuers)
      : (settings.trustedIssuers ?? []);
  const publicUrls = settings.publicUrls ?? [];
  if (settings.mode === 'production' && trustedIssuers.length === 0) {
    throw new Error('Production auth mode needs trusted issuers (for example AUTH_TRUSTED_ISSUERS=entra).');
  }
  const devIssuer =
    settings.mode === 'development'
      ? await DevIssuer.open({
          dataDir: settings.dataDir,
          origins: publicUrls,
          ...(settings.devConfigPath !== undefined ? { configPath: settings.devConfigPath } : {}),
          ...(settings.authenticator?.now ? { now: settings.authenticator.now } : {}),
        })
      : undefined;
  const authenticator = createAuthenticator({
    ...settings.authenticator,
    trustedIssuers,
    audiences: [...publicUrls, ...(settings.audiences ?? [])],
    ...(devIssuer ? { devIssuer } : {}),
  });
  return { authenticator, ...(devIssuer ? { devIssuer } : {}) };
}
