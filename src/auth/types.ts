// Who is calling. Produced by src/auth from a bearer token; consumed by src/http to scope every request.

export interface Principal {
  /** The token's `tid`: scopes every read and write. */
  tenantId: string;
  /** `oid` / `sub` of the caller, for logs (never the token). */
  subject: string;
  /** 'app' when authorised by an application role, 'user' when by a delegated scope + directory role. */
  kind: 'app' | 'user';
}

export class AuthError extends Error {
  constructor(
    readonly status: 401 | 403,
    /** Graph error code: 'InvalidAuthenticationToken' (401) or 'Authorization_RequestDenied' (403). */
    readonly code: 'InvalidAuthenticationToken' | 'Authorization_RequestDenied',
    message: string,
    /** Value for the WWW-Authenticate header on 401s. */
    readonly wwwAuthenticate?: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface Authenticator {
  /**
   * Validate the Authorization header value and the permission needed for /identity/apiConnectors.
   * Resolves to the principal, or rejects with AuthError. Never echoes the token in a message.
   */
  authenticate(authorization: string | undefined): Promise<Principal>;
}
