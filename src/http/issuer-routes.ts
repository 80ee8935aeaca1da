// The development token issuer's Entra-shaped endpoints, on the API's own port:
//   POST /{tenant}/oauth2/v2.0/token                    client credentials (client_secret_post or _basic)
//   GET  /{tenant}/v2.0/.well-known/openid-configuration  OIDC discovery (what MSAL reads)
//   GET  /{tenant}/discovery/v2.0/keys (and /discovery/keys) the signing keys
//   GET  /common/discovery/instance                      AAD instance discovery, for MSALs that ask the authority
// Errors follow Entra's OAuth error JSON so that MSAL / @azure/identity surface them as they would Entra's.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { GRAPH_APP_ID, GRAPH_RESOURCE, GUID_PATTERN } from '../auth/constants.js';
import type { DevIssuer } from '../auth/dev-issuer.js';

export interface IssuerRoutesOptions {
  devIssuer: DevIssuer;
}

/** Lifetime of issued tokens; Entra's are 60-90 minutes and report expires_in 3599 and up. */
const TOKEN_LIFETIME_SECONDS = 3599;
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
const MULTI_TENANT_SEGMENTS = new Set(['common', 'organizations', 'consumers']);

type Form = Record<string, string>;

interface OAuthFailure {
  status: number;
  error: string;
  code: number;
  description: string;
}

const fail = (status: number, error: string, code: number, description: string): OAuthFailure => ({
  status,
  error,
  code,
  description,
});

/** Echo request values (tenant, client id, scope) only when short and printable. */
function shown(value: string): string {
  return value.length <= 200 && /^[\x20-\x7e]*$/.test(value) ? value : '(unprintable)';
}

/** Entra's timestamp format: 2024-05-01 12:34:56Z. */
function entraTimestamp(): string {
  return `${new Date().toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

function sendOAuthError(request: FastifyRequest, reply: FastifyReply, failure: OAuthFailure): FastifyReply {
  const timestamp = entraTimestamp();
  const traceId = GUID_PATTERN.test(request.id) ? request.id : randomUUID();
  const sent = request.headers['client-request-id'];
  const correlationId = typeof sent === 'string' && GUID_PATTERN.test(sent) ? sent : randomUUID();
  return reply
    .code(failure.status)
    .header('cache-control', 'no-store, no-cache')
    .header('pragma', 'no-cache')
    .type('application/json; charset=utf-8')
    .send({
      error: failure.error,
      error_description:
        `AADSTS${failure.code}: ${failure.description}\r\nTrace ID: ${traceId}\r\n` +
        `Correlation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [failure.code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${failure.code}`,
    });
}

/** How the client reached us (scheme, host, port), normalised as URL.origin does (no default port). */
function requestOrigin(request: FastifyRequest): string {
  const raw = `${request.protocol}://${request.host}`;
  return URL.canParse(raw) ? new URL(raw).origin : raw;
}

function unknownInstance(origin: string): OAuthFailure {
  return fail(
    400,
    'invalid_instance',
    50049,
    `Unknown or invalid instance. This development issuer was reached as ${shown(origin)}, which is neither a ` +
      "loopback address nor one of the server's public URLs; add it to the server's public URLs.",
  );
}

function tenantNotFound(segment: string): OAuthFailure {
  return fail(
    400,
    'invalid_tenant',
    90002,
    `Tenant '${shown(segment)}' not found. Check to make sure you have the correct tenant ID and are signing into ` +
      'the correct cloud. The development issuer knows its configured tenants and any tenant GUID.',
  );
}

/** Resolves the {tenant} path segment for discovery: any GUID, a configured domain, or a multi-tenant alias. */
function discoveryTenant(devIssuer: DevIssuer, segment: string): { id?: string; path: string } | undefined {
  const lower = segment.toLowerCase();
  if (MULTI_TENANT_SEGMENTS.has(lower)) return { path: lower };
  if (GUID_PATTERN.test(lower)) return { id: lower, path: lower };
  const tenant = devIssuer.findTenant(lower);
  return tenant ? { id: tenant.id, path: tenant.id } : undefined;
}

function openIdConfiguration(origin: string, tenant: { id?: string; path: string }): Record<string, unknown> {
  const base = `${origin}/${tenant.path}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${origin}/${tenant.id ?? '{tenantid}'}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${origin}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid', 'roles', 'scp', 'wids', 'azp', 'ver'],
    tenant_region_scope: null,
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

/** Client id and secret from the form (client_secret_post) or an HTTP Basic header (client_secret_basic). */
function clientCredentials(request: FastifyRequest, form: Form): { id?: string; secret?: string } | OAuthFailure {
  const header = request.headers.authorization;
  if (header !== undefined && /^basic\s/i.test(header)) {
    const malformed = fail(
      401,
      'invalid_client',
      7000218,
      'The client credentials in the Authorization header are malformed.',
    );
    const decoded = Buffer.from(header.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return malformed;
    let id: string;
    let secret: string;
    try {
      // RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
      id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    } catch {
      return malformed;
    }
    if (form.client_id !== undefined && form.client_id !== id) {
      return fail(
        400,
        'invalid_request',
        9002313,
        'Invalid request. The client_id in the body and in the Authorization header differ.',
      );
    }
    return { id, secret };
  }
  return {
    ...(form.client_id !== undefined ? { id: form.client_id } : {}),
    ...(form.client_secret !== undefined ? { secret: form.client_secret } : {}),
  };
}

/** Maps the single `<resource>/.default` scope of a client-credentials request to the token audience. */
function audienceFor(devIssuer: DevIssuer, scope: string | undefined, tenant: string): string | OAuthFailure {
  if (scope === undefined || scope.trim() === '') {
    return fail(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
  }
  const scopes = scope.split(/\s+/).filter((item) => item !== '' && !OIDC_SCOPES.has(item.toLowerCase()));
  if (scopes.length !== 1 || !scopes[0]?.endsWith('/.default')) {
    return fail(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${shown(scope)} is not valid. Client credential flows must have a scope value ` +
        'with /.default suffixed to the resource identifier (application ID URI).',
    );
  }
  const resource = scopes[0].slice(0, -'/.default'.length).replace(/\/+$/, '');
  if (resource.toLowerCase() === GRAPH_RESOURCE) return GRAPH_RESOURCE;
  if (resource.toLowerCase() === GRAPH_APP_ID) return GRAPH_APP_ID;
  // Kiota asks for `<scheme>://<host>/.default` of the API it calls: this server's own URL.
  if (devIssuer.acceptsOrigin(resource)) return new URL(resource).origin;
  return fail(
    400,
    'invalid_resource',
    500011,
    `The resource principal named ${shown(resource)} was not found in the tenant named ${shown(tenant)}. ` +
      'The development issuer issues tokens for https://graph.microsoft.com and for this server.',
  );
}

async function issueClientCredentialsToken(
  devIssuer: DevIssuer,
  request: FastifyRequest<{ Params: { tenant: string } }>,
): Promise<OAuthFailure | { accessToken: string }> {
  const form = isForm(request) ? (request.body as Form) : {};
  const origin = requestOrigin(request);
  if (!devIssuer.acceptsOrigin(origin)) return unknownInstance(origin);
  const segment = request.params.tenant;
  if (MULTI_TENANT_SEGMENTS.has(segment.toLowerCase())) {
    return fail(
      400,
      'invalid_request',
      50059,
      'No tenant-identifying information found in either the request or implied by any provided credentials.',
    );
  }
  if (form.grant_type === undefined) {
    return fail(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
  }
  if (form.grant_type !== 'client_credentials') {
    return fail(
      400,
      'unsupported_grant_type',
      70003,
      'The app requested an unsupported grant type. The development issuer supports client_credentials.',
    );
  }
  const credentials = clientCredentials(request, form);
  if ('error' in credentials) return credentials;
  if (credentials.id === undefined || credentials.id === '') {
    return fail(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  }
  const tenant = devIssuer.findTenant(segment);
  if (tenant === undefined) return tenantNotFound(segment);
  if (credentials.secret === undefined || credentials.secret === '') {
    return fail(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }
  const check = devIssuer.checkClient(tenant.id, credentials.id, credentials.secret);
  if (!check.ok && check.reason === 'wrong-secret') {
    return fail(
      401,
      'invalid_client',
      7000215,
      'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, ' +
        `not the client secret ID, for a secret added to app '${shown(credentials.id)}'.`,
    );
  }
  if (!check.ok) {
    return fail(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${shown(credentials.id)}' was not found in the directory '${tenant.id}'. This can ` +
        'happen if the application has not been installed by the administrator of the tenant or consented to by any ' +
        'user in the tenant. You may have sent your authentication request to the wrong tenant.',
    );
  }
  const audience = audienceFor(devIssuer, form.scope, segment);
  if (typeof audience !== 'string') return audience;
  const accessToken = await devIssuer.issueToken({
    tenantId: tenant.id,
    origin,
    audience,
    clientId: check.client.clientId,
    roles: check.client.roles,
    expiresInSeconds: TOKEN_LIFETIME_SECONDS,
  });
  return { accessToken };
}

function isForm(request: FastifyRequest): boolean {
  const type = request.headers['content-type'] ?? '';
  return (
    /^application\/x-www-form-urlencoded\b/i.test(type) && typeof request.body === 'object' && request.body !== null
  );
}

export const issuerRoutes: FastifyPluginAsync<IssuerRoutesOptions> = async (app, { devIssuer }) => {
  // Scoped to this plugin: the Graph routes keep refusing form bodies.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
  });
  app.setErrorHandler((error: unknown, request, reply) => {
    const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
    const status = typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'token issuer failed');
    const description = status >= 500 ? 'Internal server error.' : 'Invalid request. Request is malformed or invalid.';
    return sendOAuthError(
      request,
      reply,
      fail(status, status >= 500 ? 'server_error' : 'invalid_request', 9002313, description),
    );
  });

  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/token', async (request, reply) => {
    const outcome = await issueClientCredentialsToken(devIssuer, request);
    if ('status' in outcome) return sendOAuthError(request, reply, outcome);
    return reply
      .header('cache-control', 'no-store, no-cache')
      .header('pragma', 'no-cache')
      .type('application/json; charset=utf-8')
      .send({
        token_type: 'Bearer',
        expires_in: TOKEN_LIFETIME_SECONDS,
        ext_expires_in: TOKEN_LIFETIME_SECONDS,
        access_token: outcome.accessToken,
      });
  });

  app.get<{ Params: { tenant: string } }>('/:tenant/v2.0/.well-known/openid-configuration', async (request, reply) => {
    const origin = requestOrigin(request);
    if (!devIssuer.acceptsOrigin(origin)) return sendOAuthError(request, reply, unknownInstance(origin));
    const tenant = discoveryTenant(devIssuer, request.params.tenant);
    if (tenant === undefined) return sendOAuthError(request, reply, tenantNotFound(request.params.tenant));
    return reply.type('application/json; charset=utf-8').send(openIdConfiguration(origin, tenant));
  });

  const keys = async (request: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply) => {
    const origin = requestOrigin(request);
    if (!devIssuer.acceptsOrigin(origin)) return sendOAuthError(request, reply, unknownInstance(origin));
    const tenant = discoveryTenant(devIssuer, request.params.tenant);
    if (tenant === undefined) return sendOAuthError(request, reply, tenantNotFound(request.params.tenant));
    const issuer = `${origin}/${tenant.id ?? '{tenantid}'}/v2.0`;
    return reply.type('application/json; charset=utf-8').send(devIssuer.jwks(issuer));
  };
  app.get('/:tenant/discovery/v2.0/keys', keys);
  app.get('/:tenant/discovery/keys', keys);

  app.get<{ Querystring: { authorization_endpoint?: string } }>(
    '/common/discovery/instance',
    async (request, reply) => {
      const origin = requestOrigin(request);
      if (!devIssuer.acceptsOrigin(origin)) return sendOAuthError(request, reply, unknownInstance(origin));
      let tenant = 'common';
      const endpoint = request.query.authorization_endpoint;
      if (endpoint !== undefined && URL.canParse(endpoint)) {
        tenant = new URL(endpoint).pathname.split('/').filter(Boolean)[0] ?? 'common';
      }
      const host = request.host;
      return reply.type('application/json; charset=utf-8').send({
        tenant_discovery_endpoint: `${origin}/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      });
    },
  );
};

/** For ServerOptions.plugins: `plugins: [issuerRoutesPlugin(devIssuer)]`. */
export function issuerRoutesPlugin(devIssuer: DevIssuer): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    await app.register(issuerRoutes, { devIssuer });
  };
}
