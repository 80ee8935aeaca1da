// Reusable auth test kit: a minimal app (issuer routes + a probe route guarded by the authenticator), an
// independent JWKS server standing in for Entra ID, token forgeries, and an @azure/identity credential that
// trusts the development CA.
import { createServer, type Server } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import fastify, { type FastifyInstance } from 'fastify';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import {
  AuthError,
  createAuthenticator,
  DEV_CLIENT_ID,
  DEV_CLIENT_SECRET,
  DEV_TENANT_ID,
  DevIssuer,
  type AuthOptions,
  type ServerAuthenticator,
} from '../../src/auth/index.js';
import { issuerRoutesPlugin } from '../../src/http/issuer-routes.js';
import { loadTlsOptions } from '../../src/http/tls.js';

export async function tempDir(prefix = 'auth-test-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface AuthTestApp {
  app: FastifyInstance;
  baseUrl: string;
  devIssuer: DevIssuer;
  authenticator: ServerAuthenticator;
  /** PEM of the development CA (https apps only). */
  caPem?: string;
  /** GET /probe with an Authorization header; resolves to status, JSON body and headers. */
  probe(authorization?: string): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * Starts fastify on 127.0.0.1:0 with the issuer routes and GET /probe, which answers the principal or a
 * Graph-style error envelope from the AuthError.
 */
export async function startAuthTestApp(options: {
  dataDir: string;
  https?: boolean;
  devConfigPath?: string;
  authenticator?: Omit<AuthOptions, 'devIssuer'>;
}): Promise<AuthTestApp> {
  const devIssuer = await DevIssuer.open({
    dataDir: options.dataDir,
    ...(options.devConfigPath ? { configPath: options.devConfigPath } : {}),
  });
  const authenticator = createAuthenticator({ ...options.authenticator, devIssuer });
  const tls = options.https ? await loadTlsOptions({ dataDir: options.dataDir }) : undefined;
  const app = (tls ? fastify({ https: tls.serverOptions }) : fastify()) as unknown as FastifyInstance;
  await app.register(issuerRoutesPlugin(devIssuer));
  app.get('/probe', async (request, reply) => {
    try {
      return await authenticator.authenticate(request.headers.authorization);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      if (error.wwwAuthenticate) reply.header('www-authenticate', error.wwwAuthenticate);
      return reply.code(error.status).send({ error: { code: error.code, message: error.message } });
    }
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const baseUrl = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const dispatcherAgent = tls ? new Agent({ ca: tls.caPem }) : undefined;
  return {
    app,
    baseUrl,
    devIssuer,
    authenticator,
    ...(tls?.caPem ? { caPem: tls.caPem } : {}),
    async probe(authorization) {
      const response = await app.inject({
        method: 'GET',
        url: '/probe',
        ...(authorization !== undefined ? { headers: { authorization } } : {}),
      });
      return {
        status: response.statusCode,
        body: response.json(),
        headers: new Headers(response.headers as Record<string, string>),
      };
    },
    async close() {
      dispatcherAgent?.destroy();
      await app.close();
    },
  };
}

/** An @azure/identity credential for the development client, pointed at an https base URL whose CA is given. */
export function devClientCredential(
  baseUrl: string,
  caPem: string,
  overrides: { tenantId?: string; clientId?: string; clientSecret?: string } = {},
): ClientSecretCredential {
  return new ClientSecretCredential(
    overrides.tenantId ?? DEV_TENANT_ID,
    overrides.clientId ?? DEV_CLIENT_ID,
    overrides.clientSecret ?? DEV_CLIENT_SECRET,
    {
      authorityHost: baseUrl,
      // MSAL would otherwise ask login.microsoftonline.com to vouch for this authority (and fail offline).
      disableInstanceDiscovery: true,
      // Trust the development CA for the token requests only, without touching process-wide TLS settings.
      agent: new Agent({ ca: caPem }),
      retryOptions: { maxRetries: 0 },
    },
  );
}

export interface JwksServer {
  /** Issuer URL template, e.g. http://127.0.0.1:PORT/{tenantid}/v2.0 */
  /** Issuer of the plain OIDC flavour (discovery at <origin>/oidc/.well-known/openid-configuration). */
  oidcIssuer: string;
  issuerTemplate: string;
  issuerFor(tenantId: string): string;
  jwksUri: string;
  kid: string;
  /** Number of JWKS downloads so far. */
  fetches: number;
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
  /** Replace the signing key (new kid); the old key disappears from the JWKS. */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

async function newRsaKey(): Promise<{ privateKey: CryptoKey; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  publicJwk.kid = await calculateJwkThumbprint(publicJwk);
  publicJwk.use = 'sig';
  return { privateKey, publicJwk };
}

/** An independent issuer standing in for Entra ID: its own key, its own URL, a real HTTP JWKS endpoint. */
export async function startJwksServer(): Promise<JwksServer> {
  let current = await newRsaKey();
  let fetches = 0;
  let origin = '';
  const server: Server = createServer((request, response) => {
    if (request.url === '/oidc/.well-known/openid-configuration') {
      // A plain OIDC provider (no tenant in its issuer URL), for discovery-based configuration.
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ issuer: `${origin}/oidc`, jwks_uri: `${origin}/common/discovery/v2.0/keys` }));
      return;
    }
    if (request.url === '/common/discovery/v2.0/keys') {
      fetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [current.publicJwk] }));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    oidcIssuer: `${origin}/oidc`,
    issuerTemplate: `${origin}/{tenantid}/v2.0`,
    issuerFor: (tenantId) => `${origin}/${tenantId}/v2.0`,
    jwksUri: `${origin}/common/discovery/v2.0/keys`,
    get kid() {
      return current.publicJwk.kid ?? '';
    },
    get fetches() {
      return fetches;
    },
    async sign(claims, header = {}) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: current.publicJwk.kid, ...header })
        .sign(current.privateKey);
    },
    async rotate() {
      current = await newRsaKey();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Claims shaped like an Entra application token for Graph with APIConnectors.ReadWrite.All. */
export function appClaims(issuer: string, tenantId: string, overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    aud: 'https://graph.microsoft.com',
    iss: issuer,
    iat: now,
    nbf: now,
    exp: now + 3600,
    tid: tenantId,
    oid: '11111111-1111-4111-8111-111111111111',
    sub: '11111111-1111-4111-8111-111111111111',
    roles: ['APIConnectors.ReadWrite.All'],
    ver: '2.0',
    ...overrides,
  };
}

const base64url = (value: string | Uint8Array) => Buffer.from(value).toString('base64url');

/** A token with `alg: none` and no signature. */
export function unsignedToken(claims: Record<string, unknown>): string {
  return `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}.`;
}

/** The classic confusion attack: HS256 "signed" with the issuer's public key as the HMAC secret. */
export async function hmacWithPublicKey(claims: Record<string, unknown>, publicJwk: JWK, kid: string): Promise<string> {
  const { createHmac } = await import('node:crypto');
  const { createPublicKey } = await import('node:crypto');
  const secret = createPublicKey({ key: publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({
    type: 'spki',
    format: 'pem',
  });
  const signingInput = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid }))}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

/**
 * A fetch over node:https that trusts `caPem`. Node 20's global fetch cannot take a CA without the undici package,
 * so SDKs built on fetch (microsoft-graph-client's HTTPMessageHandler) get this through a custom middleware.
 */
export function httpsFetch(caPem: string): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  const agent = new Agent({ ca: caPem, keepAlive: false });
  return async (input, init = {}) => {
    const request = new Request(input, init);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    return new Promise<Response>((resolve, reject) => {
      const outgoing = httpsRequest(
        request.url,
        { method: request.method, headers: Object.fromEntries(request.headers.entries()), agent },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) {
              for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
                headers.append(name, item);
              }
            }
            const status = incoming.statusCode ?? 500;
            const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(payload, { status, headers }));
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  };
}
