// The built-in development issuer: an Entra-shaped token service whose signing key lives in DATA_DIR.
//
// Issuer identity: a token's `iss` is `<origin>/<tid>/v2.0`, where <origin> is how the client reached the server
// (MSAL insists the discovery document's issuer has the authority's scheme, host and port). The issuer therefore
// accepts every loopback origin (http or https, localhost / 127.0.0.1 / [::1], any port) plus the origins it is
// told about (the server's public URLs). Trust rests on the signing key: only this data dir's key verifies.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_TENANT_ID, GRAPH_RESOURCE, GUID_PATTERN } from './constants.js';
import { loadDevDirectory, type DevClient, type DevDirectory, type DevTenant } from './dev-config.js';
import { readSecretFile, writeSecretFileOnce } from './secret-file.js';

export const DEV_SIGNING_KEY_FILE = 'dev-signing-key.json';
const SIGNING_ALGORITHM = 'RS256';
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const ISSUER_PATTERN = /^(https?:\/\/[^/]+)\/([0-9a-fA-F-]{36})\/v2\.0$/;

export interface DevIssuerOptions {
  dataDir: string;
  /** Optional JSON file with more tenants and clients (docs/auth.md). */
  configPath?: string;
  /** Non-loopback origins the server is reached by, e.g. https://api-connectors.internal:8443. */
  origins?: string[];
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

export interface DevTokenRequest {
  tenantId: string;
  /** Origin the token claims to come from; default http://localhost. */
  origin?: string;
  /** `aud`; default https://graph.microsoft.com. */
  audience?: string;
  /** Lifetime from now; negative values produce an already expired token. Default 3600. */
  expiresInSeconds?: number;
  /** Seconds from now before which the token is not valid (`nbf`). Default 0. */
  notBeforeInSeconds?: number;
  /** Application tokens: the client (appid/azp) and its application permissions (`roles`). */
  clientId?: string;
  roles?: string[];
  /** Given (even empty): a delegated token with `scp` and the user's directory roles (`wids`). */
  scopes?: string[];
  directoryRoles?: string[];
}

/** Normalises a URL to its origin; throws for anything that is not an http(s) origin. */
export function toOrigin(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`${url} is not an http(s) URL`);
  }
  return parsed.origin;
}

/** A stable GUID derived from names, so the dev client's service principal keeps its object id across starts. */
export function derivedGuid(...parts: string[]): string {
  const bytes = createHash('sha256').update(parts.join('\u0000')).digest();
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function sameSecret(expected: string, given: string): boolean {
  // Hash first so the comparison is constant-time regardless of length.
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

async function loadOrCreateSigningKey(dataDir: string): Promise<{ privateKey: CryptoKey; publicJwk: JWK }> {
  const path = join(dataDir, DEV_SIGNING_KEY_FILE);
  let text = await readSecretFile(path);
  if (text === undefined) {
    const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { modulusLength: 2048, extractable: true });
    const jwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(jwk);
    const stored = { ...jwk, kid, alg: SIGNING_ALGORITHM, use: 'sig', createdAt: new Date().toISOString() };
    text = await writeSecretFileOnce(path, `${JSON.stringify(stored, null, 2)}\n`);
  }
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not a valid development signing key; delete it to create a new one`);
  }
  if (typeof stored !== 'object' || stored === null || !('kty' in stored) || stored.kty !== 'RSA') {
    throw new Error(`${path} is not a valid development signing key; delete it to create a new one`);
  }
  const privateJwk = stored as JWK;
  const privateKey = (await importJWK(privateJwk, SIGNING_ALGORITHM)) as CryptoKey;
  const kid = privateJwk.kid ?? (await calculateJwkThumbprint(privateJwk));
  const { kty, n, e } = privateJwk;
  return { privateKey, publicJwk: { kty, n, e, kid, use: 'sig', alg: SIGNING_ALGORITHM } };
}

export type ClientCheck =
  { ok: true; client: DevClient } | { ok: false; reason: 'unknown-client' | 'wrong-secret' | 'not-in-tenant' };

export class DevIssuer {
  readonly #privateKey: CryptoKey;
  readonly #publicJwk: JWK;
  readonly #origins = new Set<string>();
  readonly #now: () => number;
  readonly #localKeys: JWTVerifyGetKey;

  private constructor(
    privateKey: CryptoKey,
    publicJwk: JWK,
    readonly directory: DevDirectory,
    options: DevIssuerOptions,
  ) {
    this.#privateKey = privateKey;
    this.#publicJwk = publicJwk;
    this.#now = options.now ?? Date.now;
    this.#localKeys = createLocalJWKSet({ keys: [publicJwk] });
    for (const origin of options.origins ?? []) this.addOrigin(origin);
  }

  /** Loads (creating on first start) the signing key in `dataDir` and the optional directory config. */
  static async open(options: DevIssuerOptions): Promise<DevIssuer> {
    const [{ privateKey, publicJwk }, directory] = await Promise.all([
      loadOrCreateSigningKey(options.dataDir),
      loadDevDirectory(options.configPath),
    ]);
    return new DevIssuer(privateKey, publicJwk, directory, options);
  }

  get kid(): string {
    return this.#publicJwk.kid ?? '';
  }

  /** Public keys, as served at /{tenant}/discovery/v2.0/keys. */
  jwks(issuer?: string): JSONWebKeySet {
    return { keys: [{ ...this.#publicJwk, ...(issuer === undefined ? {} : { issuer }) }] };
  }

  /** Key resolver for jose's jwtVerify (no network). */
  get verificationKeys(): JWTVerifyGetKey {
    return this.#localKeys;
  }

  /** Accept tokens and token requests for another origin (the server's URL once it is known). */
  addOrigin(url: string): void {
    this.#origins.add(toOrigin(url));
  }

  get origins(): string[] {
    return [...this.#origins];
  }

  acceptsOrigin(url: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
    if (parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '' || parsed.username !== '') return false;
    return LOOPBACK_HOSTS.has(parsed.hostname) || this.#origins.has(parsed.origin);
  }

  issuerFor(origin: string, tenantId: string): string {
    return `${toOrigin(origin)}/${tenantId}/v2.0`;
  }

  /** The tenant id if `iss` is one of this issuer's issuer URLs. */
  matchIssuer(iss: string): { tenantId: string } | undefined {
    const match = ISSUER_PATTERN.exec(iss);
    if (!match?.[1] || !match[2] || !GUID_PATTERN.test(match[2])) return undefined;
    return this.acceptsOrigin(match[1]) ? { tenantId: match[2].toLowerCase() } : undefined;
  }

  /** Resolves a tenant path segment (GUID or domain) to a tenant of the directory. */
  findTenant(segment: string): DevTenant | undefined {
    const wanted = segment.toLowerCase();
    return this.directory.tenants.find((tenant) => tenant.id === wanted || tenant.domains.includes(wanted));
  }

  checkClient(tenantId: string, clientId: string, clientSecret: string): ClientCheck {
    const client = this.directory.clients.find((known) => known.clientId === clientId.toLowerCase());
    if (client === undefined) return { ok: false, reason: 'unknown-client' };
    if (!client.tenantIds.includes(tenantId)) return { ok: false, reason: 'not-in-tenant' };
    if (!sameSecret(client.clientSecret, clientSecret)) return { ok: false, reason: 'wrong-secret' };
    return { ok: true, client };
  }

  /**
   * Start-up lines for the console. Only the well-known development client's secret is shown (it is public,
   * like Azurite's account key); secrets of clients from the config file never are.
   */
  banner(baseUrl: string): string[] {
    const origin = toOrigin(baseUrl);
    const extra = this.directory.clients.length - 1;
    return [
      `Development token issuer (not for production): authority host ${origin}`,
      `  tenant ${DEV_TENANT_ID}  client id ${DEV_CLIENT_ID}  client secret ${DEV_CLIENT_SECRET}`,
      `  token endpoint ${origin}/${DEV_TENANT_ID}/oauth2/v2.0/token  scope https://graph.microsoft.com/.default`,
      ...(extra > 0 ? [`  plus ${extra} client(s) from the issuer config file`] : []),
    ];
  }

  /** Signs an access token shaped like the ones Entra ID issues for Microsoft Graph. */
  async issueToken(request: DevTokenRequest): Promise<string> {
    const tenantId = request.tenantId.toLowerCase();
    const origin = toOrigin(request.origin ?? 'http://localhost');
    const nowSeconds = Math.floor(this.#now() / 1000);
    const notBefore = nowSeconds + (request.notBeforeInSeconds ?? 0);
    const clientId = (request.clientId ?? this.directory.clients[0]?.clientId ?? '').toLowerCase();
    const client = this.directory.clients.find((known) => known.clientId === clientId);
    const common = {
      aud: request.audience ?? GRAPH_RESOURCE,
      iss: this.issuerFor(origin, tenantId),
      iat: nowSeconds,
      nbf: notBefore,
      exp: nowSeconds + (request.expiresInSeconds ?? 3600),
      app_displayname: client?.displayName ?? 'development client',
      appid: clientId,
      appidacr: '1',
      azp: clientId,
      azpacr: '1',
      tid: tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '2.0',
    };
    let claims: Record<string, unknown>;
    if (request.scopes !== undefined) {
      const userId = derivedGuid('user', tenantId);
      claims = {
        ...common,
        idtyp: 'user',
        name: 'Development Administrator',
        oid: userId,
        preferred_username: `admin@${tenantId}`,
        scp: request.scopes.join(' '),
        sub: userId,
        wids: request.directoryRoles ?? [],
        ...(request.roles && request.roles.length > 0 ? { roles: request.roles } : {}),
      };
    } else {
      const servicePrincipalId = derivedGuid('service-principal', tenantId, clientId);
      const roles = request.roles ?? client?.roles ?? [];
      claims = {
        ...common,
        idp: `${origin}/${tenantId}/`,
        idtyp: 'app',
        oid: servicePrincipalId,
        sub: servicePrincipalId,
        ...(roles.length > 0 ? { roles } : {}),
      };
    }
    return new SignJWT(claims)
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, typ: 'JWT', kid: this.kid })
      .sign(this.#privateKey);
  }
}
