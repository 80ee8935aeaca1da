// Bearer-token validation for every /identity route: signature (issuer JWKS), iss, aud, exp/nbf, tid, permission.
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import {
  ACCEPTED_ALGORITHMS,
  GRAPH_APP_ID,
  GRAPH_AUDIENCES,
  GRAPH_AUTHORIZATION_URI,
  GUID_PATTERN,
} from './constants.js';
import type { DevIssuer } from './dev-issuer.js';
import { IssuerUnavailableError, TrustedIssuers, type JwksTuning, type TrustedIssuerConfig } from './issuers.js';
import { authorize } from './permissions.js';
import { TokenCache } from './token-cache.js';
import { AuthError, type Authenticator, type Principal } from './types.js';

export interface AuthOptions {
  /** External issuers whose tokens are accepted (Entra ID, any OIDC provider). */
  trustedIssuers?: TrustedIssuerConfig[];
  /** The built-in development issuer; its tokens are verified with its local key. */
  devIssuer?: DevIssuer;
  /**
   * This server's own URLs, accepted as `aud` besides https://graph.microsoft.com and Graph's app id.
   * With a dev issuer, every origin it accepts (all loopback origins, its configured origins) also counts.
   */
  audiences?: string[];
  /** Tolerance for exp/nbf. Default 60 s. */
  clockSkewSeconds?: number;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /**
   * Verified tokens kept (by the SHA-256 digest of the Authorization header) until they expire. Default 10,000; 0
   * disables the cache.
   */
  cacheMaxEntries?: number;
  jwks?: JwksTuning;
  /** authorization_uri in WWW-Authenticate. Default Graph's: https://login.microsoftonline.com/common/oauth2/authorize */
  authorizationUri?: string;
}

/** The Authenticator plus what operators may want to see. */
export interface ServerAuthenticator extends Authenticator {
  /** Verified-token cache entries (for metrics and tests). */
  readonly cacheSize: number;
  /** Accept another server URL as `aud` (e.g. once the listening port is known). */
  addAudience(url: string): void;
}

type Decision = Principal | AuthError;

const EXPIRED = 'Access token has expired or is not yet valid.';
const MALFORMED = 'CompactToken parsing failed with error code: 80049217';
const FAILURE = 'Access token validation failure.';

/** A claim value safe to repeat in a message: short printable ASCII only (never the token itself). */
function printable(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return typeof text === 'string' && text.length <= 200 && /^[\x20-\x7e]*$/.test(text) ? `'${text}'` : '(unprintable)';
}

function normalizeAudience(value: string): string {
  return value.replace(/\/+$/, '').toLowerCase();
}

export function createAuthenticator(options: AuthOptions): ServerAuthenticator {
  const skewSeconds = options.clockSkewSeconds ?? 60;
  const now = options.now ?? Date.now;
  const devIssuer = options.devIssuer;
  const issuers = new TrustedIssuers(options.trustedIssuers ?? [], options.jwks);
  if (devIssuer === undefined && issuers.size === 0) {
    throw new Error('No trusted token issuer: enable the development issuer or configure trusted issuers.');
  }
  const audiences = new Set([...GRAPH_AUDIENCES, ...(options.audiences ?? [])].map(normalizeAudience));
  const cache = new TokenCache<Decision>(options.cacheMaxEntries ?? 10_000);
  const challenge =
    `Bearer realm="", authorization_uri="${options.authorizationUri ?? GRAPH_AUTHORIZATION_URI}", ` +
    `client_id="${GRAPH_APP_ID}"`;
  const invalid = (message: string): AuthError => new AuthError(401, 'InvalidAuthenticationToken', message, challenge);

  function bearerToken(authorization: string | undefined): string {
    const value = authorization?.trim() ?? '';
    if (value === '') throw invalid('Access token is empty.');
    const [scheme, token, ...rest] = value.split(/\s+/);
    if (scheme?.toLowerCase() !== 'bearer') {
      throw invalid("The Authorization header must use the Bearer scheme: 'Authorization: Bearer <access token>'.");
    }
    if (token === undefined || token === '') throw invalid('Access token is empty.');
    if (rest.length > 0) throw invalid(MALFORMED);
    return token;
  }

  function audienceAccepted(aud: unknown): boolean {
    const values = Array.isArray(aud) ? aud : [aud];
    return values.some(
      (value) =>
        typeof value === 'string' &&
        (audiences.has(normalizeAudience(value)) || (devIssuer?.acceptsOrigin(value.replace(/\/+$/, '')) ?? false)),
    );
  }

  function routeIssuer(iss: string): { keys: JWTVerifyGetKey; tenantId?: string; tenants?: string[] } | undefined {
    const dev = devIssuer?.matchIssuer(iss);
    if (dev && devIssuer) return { keys: devIssuer.verificationKeys, tenantId: dev.tenantId };
    return issuers.match(iss);
  }

  async function verify(token: string, nowMs: number): Promise<{ claims: JWTPayload; tenantId: string }> {
    let alg: unknown;
    let unverified: JWTPayload;
    try {
      if (token.split('.').length !== 3) throw new Error('not a compact JWS');
      alg = decodeProtectedHeader(token).alg;
      unverified = decodeJwt(token);
    } catch {
      throw invalid(MALFORMED);
    }
    if (typeof alg !== 'string' || !ACCEPTED_ALGORITHMS.includes(alg)) {
      throw invalid(
        `${FAILURE} The signing algorithm ${printable(alg)} is not accepted; ` +
          `tokens must be signed with ${ACCEPTED_ALGORITHMS.join(', ')}.`,
      );
    }
    if (typeof unverified.iss !== 'string') throw invalid(`${FAILURE} The token has no iss claim.`);
    const route = routeIssuer(unverified.iss);
    if (route === undefined) {
      throw invalid(`${FAILURE} Invalid issuer: ${printable(unverified.iss)} is not a trusted token issuer.`);
    }
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, route.keys, {
        algorithms: [...ACCEPTED_ALGORITHMS],
        clockTolerance: skewSeconds,
        currentDate: new Date(nowMs),
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw mapVerificationError(error);
    }
    if (!audienceAccepted(claims.aud)) {
      throw invalid(`${FAILURE} Invalid audience ${printable(claims.aud)}; expected ${[...audiences].join(' or ')}.`);
    }
    const tid = typeof claims.tid === 'string' ? claims.tid.toLowerCase() : route.tenantId;
    if (tid === undefined || !GUID_PATTERN.test(tid)) {
      throw invalid(`${FAILURE} The token has no tid (tenant id) claim.`);
    }
    if (route.tenantId !== undefined && route.tenantId !== tid) {
      throw invalid(`${FAILURE} Invalid issuer: the issuer's tenant does not match the token's tid claim.`);
    }
    if (route.tenants !== undefined && !route.tenants.includes(tid)) {
      throw invalid(`${FAILURE} Tenant ${tid} is not trusted by this server.`);
    }
    return { claims, tenantId: tid };
  }

  function mapVerificationError(error: unknown): Error {
    if (error instanceof errors.JWTExpired) return invalid(EXPIRED);
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === 'nbf') return invalid(EXPIRED);
      return invalid(`${FAILURE} The ${error.claim} claim is ${error.reason === 'missing' ? 'missing' : 'invalid'}.`);
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) return invalid(`${FAILURE} Invalid signature.`);
    if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
      return invalid(`${FAILURE} The token's signing key (kid) is not one of its issuer's keys.`);
    }
    if (error instanceof errors.JOSEAlgNotAllowed) return invalid(`${FAILURE} The signing algorithm is not accepted.`);
    if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid) return invalid(MALFORMED);
    if (error instanceof IssuerUnavailableError) return error;
    // A plain JOSEError (not a subclass) is how jose reports a JWKS endpoint that answered badly.
    const keysUnreachable =
      error instanceof errors.JWKSTimeout ||
      error instanceof errors.JWKSInvalid ||
      !(error instanceof errors.JOSEError) ||
      error.constructor === errors.JOSEError;
    if (keysUnreachable) {
      return new IssuerUnavailableError("The token issuer's signing keys could not be retrieved.", { cause: error });
    }
    return invalid(FAILURE);
  }

  return {
    get cacheSize() {
      return cache.size;
    },
    addAudience(url: string) {
      audiences.add(normalizeAudience(url));
    },
    async authenticate(authorization: string | undefined): Promise<Principal> {
      // Keyed by the header as sent, so a repeat skips parsing it too: the same header always parses the same way.
      const key = TokenCache.keyOf(authorization ?? '');
      const nowMs = now();
      const cached = cache.get(key, nowMs);
      if (cached !== undefined) {
        if (cached instanceof AuthError) throw cached;
        return cached;
      }
      const token = bearerToken(authorization);
      const { claims, tenantId } = await verify(token, nowMs);
      let decision: Decision;
      try {
        decision = authorize(claims, tenantId);
      } catch (error) {
        if (!(error instanceof AuthError)) throw error;
        decision = error;
      }
      // Verified claims decide the same way until the token expires, so both outcomes are cached.
      cache.set(key, {
        validUntilMs: ((claims.exp ?? 0) + skewSeconds) * 1000,
        validFromMs: ((claims.nbf ?? Number.NEGATIVE_INFINITY) - skewSeconds) * 1000,
        value: decision,
      });
      if (decision instanceof AuthError) throw decision;
      return decision;
    },
  };
}
