// Trusted external issuers (Entra ID or any OIDC provider): configuration, issuer matching and their signing keys.
import { readFile } from 'node:fs/promises';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { ENTRA_ISSUER_V1, ENTRA_ISSUER_V2, ENTRA_JWKS_URI, GUID_PATTERN } from './constants.js';

export interface TrustedIssuerConfig {
  /**
   * The exact `iss` value. `{tenantid}` (or `{tid}`) stands for a tenant GUID that must equal the token's `tid`,
   * as in Entra's https://login.microsoftonline.com/{tenantid}/v2.0.
   */
  issuer: string;
  /** Where the issuer's JWKS is. Required for templated issuers; otherwise discovered via OIDC metadata. */
  jwksUri?: string;
  /** Only tokens of these tenants are accepted from this issuer (default: any tenant). */
  tenants?: string[];
  /** Tenant for tokens without a `tid` claim (non-Entra issuers); only for issuers without a template. */
  tenantId?: string;
}

export interface JwksTuning {
  /** Minimum time between two JWKS fetches (jose cooldownDuration). Default 30 s. */
  cooldownMs?: number;
  /** JWKS considered fresh for this long (jose cacheMaxAge). Default 10 min. */
  cacheMaxAgeMs?: number;
  /** Fetch timeout. Default 5 s. */
  timeoutMs?: number;
}

/** Entra ID's multi-tenant issuers (v2 and v1 forms), optionally limited to some tenants. */
export function entraIssuers(options: { tenants?: string[]; jwksUri?: string } = {}): TrustedIssuerConfig[] {
  const jwksUri = options.jwksUri ?? ENTRA_JWKS_URI;
  return [ENTRA_ISSUER_V2, ENTRA_ISSUER_V1].map((issuer) => ({
    issuer,
    jwksUri,
    ...(options.tenants ? { tenants: options.tenants } : {}),
  }));
}

const TEMPLATE = /\{(tenantid|tid)\}/i;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function configError(source: string, path: string, problem: string): Error {
  return new Error(`${source}: ${path} ${problem}`);
}

function checkUrl(source: string, path: string, value: unknown, templated: boolean): string {
  if (typeof value !== 'string') throw configError(source, path, 'must be a URL string');
  try {
    const parsed = new URL(value.replace(TEMPLATE, '00000000-0000-0000-0000-000000000000'));
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('scheme');
  } catch {
    throw configError(source, path, 'must be an http(s) URL');
  }
  if (!templated && TEMPLATE.test(value)) throw configError(source, path, 'must not contain {tenantid}');
  return value;
}

function parseTenants(source: string, path: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((t) => typeof t === 'string' && GUID_PATTERN.test(t))) {
    throw configError(source, path, 'must be an array of tenant GUIDs');
  }
  return value.map((t: string) => t.toLowerCase());
}

function parseEntry(source: string, path: string, value: unknown): TrustedIssuerConfig[] {
  if (value === 'entra') return entraIssuers();
  if (!isRecord(value)) throw configError(source, path, 'must be "entra" or an object');
  const tenants = parseTenants(source, `${path}.tenants`, value.tenants);
  if (value.entra === true) {
    const jwksUri = value.jwksUri === undefined ? undefined : checkUrl(source, `${path}.jwksUri`, value.jwksUri, false);
    return entraIssuers({ ...(tenants ? { tenants } : {}), ...(jwksUri ? { jwksUri } : {}) });
  }
  const issuer = checkUrl(source, `${path}.issuer`, value.issuer, true);
  const templated = TEMPLATE.test(issuer);
  const jwksUri = value.jwksUri === undefined ? undefined : checkUrl(source, `${path}.jwksUri`, value.jwksUri, false);
  if (templated && jwksUri === undefined) {
    throw configError(source, `${path}.jwksUri`, 'is required when the issuer contains {tenantid}');
  }
  let tenantId: string | undefined;
  if (value.tenantId !== undefined) {
    if (typeof value.tenantId !== 'string' || !GUID_PATTERN.test(value.tenantId) || templated) {
      throw configError(source, `${path}.tenantId`, 'must be a tenant GUID, for issuers without {tenantid}');
    }
    tenantId = value.tenantId.toLowerCase();
  }
  return [
    { issuer, ...(jwksUri ? { jwksUri } : {}), ...(tenants ? { tenants } : {}), ...(tenantId ? { tenantId } : {}) },
  ];
}

/**
 * Parses trusted-issuer configuration: `"entra"`, an array of entries, or `{ "issuers": [...] }`, where an entry is
 * `"entra"`, `{ "entra": true, "tenants"?: [...] }` or `{ "issuer", "jwksUri"?, "tenants"?, "tenantId"? }`.
 */
export function parseTrustedIssuers(value: unknown, source = 'trusted issuers'): TrustedIssuerConfig[] {
  const list = isRecord(value) && 'issuers' in value ? value.issuers : value;
  if (list === 'entra') return entraIssuers();
  if (!Array.isArray(list))
    throw configError(source, 'the value', 'must be "entra", an array, or { "issuers": [...] }');
  return list.flatMap((entry: unknown, index) => parseEntry(source, `[${index}]`, entry));
}

/** Reads trusted issuers from inline JSON, the word `entra`, or the path of a JSON file. */
export async function loadTrustedIssuers(spec: string): Promise<TrustedIssuerConfig[]> {
  const trimmed = spec.trim();
  if (trimmed === 'entra') return entraIssuers();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    return parseTrustedIssuers(JSON.parse(trimmed) as unknown, 'trusted issuers (inline JSON)');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(trimmed, 'utf8'));
  } catch (error) {
    throw new Error(`trusted issuers file ${trimmed} cannot be read as JSON`, { cause: error });
  }
  return parseTrustedIssuers(parsed, trimmed);
}

export interface IssuerMatch {
  /** Tenant named by the issuer URL or configuration, if any; must equal the token's tid. */
  tenantId?: string;
  /** Allowed tenants, if restricted. */
  tenants?: string[];
  keys: JWTVerifyGetKey;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches `iss` values against the configuration and hands out (shared, cached) remote key sets. */
export class TrustedIssuers {
  readonly #entries: { config: TrustedIssuerConfig; pattern: RegExp }[];
  readonly #keySets = new Map<string, JWTVerifyGetKey>();
  readonly #discovered = new Map<string, Promise<string>>();

  constructor(
    configs: TrustedIssuerConfig[],
    readonly tuning: JwksTuning = {},
  ) {
    this.#entries = configs.map((config) => ({
      config,
      pattern: new RegExp(
        `^${escapeRegExp(config.issuer).replace(/\\\{(?:tenantid|tid)\\\}/i, '([0-9a-fA-F-]{36})')}$`,
      ),
    }));
  }

  get size(): number {
    return this.#entries.length;
  }

  match(iss: string): IssuerMatch | undefined {
    for (const { config, pattern } of this.#entries) {
      const found = pattern.exec(iss);
      if (!found) continue;
      const fromUrl = found[1]?.toLowerCase();
      if (fromUrl !== undefined && !GUID_PATTERN.test(fromUrl)) continue;
      const tenantId = fromUrl ?? config.tenantId;
      return {
        ...(tenantId ? { tenantId } : {}),
        ...(config.tenants ? { tenants: config.tenants } : {}),
        keys: this.#keysFor(config),
      };
    }
    return undefined;
  }

  #keysFor(config: TrustedIssuerConfig): JWTVerifyGetKey {
    if (config.jwksUri !== undefined) return this.#remoteKeySet(config.jwksUri);
    // No JWKS URL configured: discover it from the issuer's OIDC metadata on first use.
    return async (header, token) => {
      const jwksUri = await this.#discover(config.issuer);
      return this.#remoteKeySet(jwksUri)(header, token);
    };
  }

  #remoteKeySet(url: string): JWTVerifyGetKey {
    let keySet = this.#keySets.get(url);
    if (keySet === undefined) {
      keySet = createRemoteJWKSet(new URL(url), {
        cooldownDuration: this.tuning.cooldownMs ?? 30_000,
        cacheMaxAge: this.tuning.cacheMaxAgeMs ?? 600_000,
        timeoutDuration: this.tuning.timeoutMs ?? 5_000,
      });
      this.#keySets.set(url, keySet);
    }
    return keySet;
  }

  #discover(issuer: string): Promise<string> {
    let pending = this.#discovered.get(issuer);
    if (pending === undefined) {
      pending = fetchJwksUri(issuer, this.tuning.timeoutMs ?? 5_000);
      // Forget failures so that the next request retries discovery.
      pending.catch(() => this.#discovered.delete(issuer));
      this.#discovered.set(issuer, pending);
    }
    return pending;
  }
}

/** Thrown when an issuer's keys or metadata cannot be fetched: the server, not the token, is at fault. */
export class IssuerUnavailableError extends Error {
  readonly statusCode = 503;
  readonly code = 'ServiceUnavailable';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IssuerUnavailableError';
  }
}

async function fetchJwksUri(issuer: string, timeoutMs: number): Promise<string> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new IssuerUnavailableError(`OIDC discovery at ${url} answered ${response.status}`);
  const metadata: unknown = await response.json();
  if (!isRecord(metadata) || metadata.issuer !== issuer || typeof metadata.jwks_uri !== 'string') {
    throw new IssuerUnavailableError(`OIDC discovery at ${url} did not describe issuer ${issuer} with a jwks_uri`);
  }
  return metadata.jwks_uri;
}
