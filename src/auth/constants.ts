// Identifiers that Microsoft Graph and Entra ID use, plus the well-known development identities.

/** The one permission every /identity/apiConnectors operation needs (graph-spec §2). */
export const API_CONNECTORS_PERMISSION = 'APIConnectors.ReadWrite.All';

/** Microsoft Graph's application id; Entra also uses it as a token audience. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
/** Audiences every deployment accepts (Graph's own); the server's URLs are added by configuration. */
export const GRAPH_AUDIENCES: readonly string[] = [GRAPH_RESOURCE, GRAPH_APP_ID];

/** Directory roles (`wids`) that may use the delegated permission (graph-spec §2). */
export const GLOBAL_ADMINISTRATOR_ROLE = '62e90394-69f5-4237-9190-012177145e10';
export const USER_FLOW_ADMINISTRATOR_ROLE = '6e591065-9bad-43ed-90f3-e9424366d2f0';
export const ADMIN_DIRECTORY_ROLES: ReadonlyMap<string, string> = new Map([
  [GLOBAL_ADMINISTRATOR_ROLE, 'Global Administrator'],
  [USER_FLOW_ADMINISTRATOR_ROLE, 'External ID User Flow Administrator'],
]);

/** The tenant of personal Microsoft accounts; Graph does not support API connectors for them. */
export const MSA_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

/** Entra ID's multi-tenant issuer forms; `{tenantid}` stands for the token's `tid`. */
export const ENTRA_ISSUER_V2 = 'https://login.microsoftonline.com/{tenantid}/v2.0';
export const ENTRA_ISSUER_V1 = 'https://sts.windows.net/{tenantid}/';
/** Entra's signing keys (the same keys sign v1 and v2 tokens). */
export const ENTRA_JWKS_URI = 'https://login.microsoftonline.com/common/discovery/v2.0/keys';

/** What Graph sends with every 401. */
export const GRAPH_AUTHORIZATION_URI = 'https://login.microsoftonline.com/common/oauth2/authorize';

/** Asymmetric algorithms Entra ID signs with; HMAC and `none` are never accepted. */
export const ACCEPTED_ALGORITHMS: readonly string[] = ['RS256', 'PS256', 'ES256'];

// The built-in development issuer's well-known identities. Like Azurite's devstoreaccount1 these are public on
// purpose: anyone can use them, so they must never guard anything real.
export const DEV_TENANT_ID = '00000000-0000-4000-8000-00000000d0d0';
export const DEV_TENANT_DOMAIN = 'apiconnectorsdev.onmicrosoft.com';
export const DEV_CLIENT_ID = '00000000-0000-4000-8000-00000000c0de';
export const DEV_CLIENT_SECRET = 'dev~ApiConnectors.Secret.NotForProduction';
export const DEV_CLIENT_NAME = 'api-connectors development client';

export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
