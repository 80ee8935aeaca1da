// Composition root: wires configuration to the store, the sealer, the decoder, the authenticator and the HTTP server.
// The CLI (`serve`) and the end-to-end tests both start the service through createApp, so they run the same code.
import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { API_CONNECTORS_PERMISSION, createAuth, DEV_TENANT_ID, type DevTokenRequest } from './auth/index.js';
import type { Authenticator } from './auth/types.js';
import type { Config } from './config.js';
import type { Clock } from './connectors/model.js';
import { AdjustableClock } from './connectors/clock.js';
import { ConnectorService } from './connectors/service.js';
import { issuerRoutesPlugin } from './http/issuer-routes.js';
import { emulatorRoutes } from './http/routes/emulator.js';
import { buildServer } from './http/server.js';
import { createSealer } from './secrets/index.js';
import { openStore } from './store/index.js';
import type { ConnectorRepository } from './store/repository.js';

export interface AppOverrides {
  clock?: Clock;
  authenticator?: Authenticator;
  logger?: Logger;
}

export interface App {
  server: FastifyInstance;
  service: ConnectorService;
  repository: ConnectorRepository;
  /** Listens on config.host:config.port; resolves to the base URL (e.g. http://127.0.0.1:8080). */
  listen(): Promise<string>;
  /** Graceful: stop accepting, finish in-flight requests, close the store. */
  close(): Promise<void>;
  /** Issues a development token (development auth mode only). */
  devToken(request?: Partial<DevTokenRequest>): Promise<string>;
  /** Start-up lines for people: how to get a token. */
  banner(baseUrl: string): string[];
  /** PEM of the CA that signed the generated development TLS certificate, when --https generated one. */
  tlsCaPem: string | undefined;
}

/** Paths whose values are secrets: pino replaces them with [Redacted] wherever they appear in a log object. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  '*.password',
  '*.pkcs12Value',
  '*.privateKey',
  '*.client_secret',
];

/** How long a log line may wait in the buffer of the default destination before it is written. */
const LOG_FLUSH_INTERVAL_MS = 100;

/**
 * Without a destination, logs go to stdout through an asynchronous, buffered pino destination: a synchronous write
 * per line cost ~20 µs of a ~80 µs GET (one syscall per request; docs/performance.md). Lines are written in
 * batches of 4 KiB or every 100 ms, whichever comes first, and pino flushes what is left when the process exits.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[Redacted]' } };
  if (destination) return pino(options, destination);
  const stdout = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => stdout.flush(), LOG_FLUSH_INTERVAL_MS).unref();
  return pino(options, stdout);
}

// Loaded only for HTTPS: certificate generation pulls in @peculiar/x509 and its dependencies (start-up time).
async function loadTls(config: Config) {
  const { loadTlsOptions } = await import('./http/tls.js');
  return loadTlsOptions({
    dataDir: config.dataDir,
    ...(config.tlsCert ? { cert: config.tlsCert } : {}),
    ...(config.tlsKey ? { key: config.tlsKey } : {}),
    ...(config.tlsPfx ? { pfx: config.tlsPfx } : {}),
    ...(config.tlsPfxPassword ? { pfxPassword: config.tlsPfxPassword } : {}),
  });
}

// The PKCS#12 decoder (asn1js, the @peculiar/asn1-* schemas, the KDF worker pool) is loaded by the first upload,
// not at start-up: reads and the first 200 do not wait for it.
let decoder: Promise<typeof import('./pkcs12/index.js')> | undefined;
const loadDecoder = () => (decoder ??= import('./pkcs12/index.js'));

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const logger = overrides.logger ?? createLogger(config.logLevel);
  // Development mode: an adjustable clock behind /_emulator/clock; tests may inject their own.
  const adjustable = config.authMode === 'development' && !overrides.clock ? new AdjustableClock() : undefined;
  const clock = overrides.clock ?? adjustable?.now ?? Date.now;
  const repository = await openStore({
    dataDir: config.dataDir,
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    poolSize: config.pgPoolSize,
    statementTimeoutMs: config.pgStatementTimeoutMs,
    ...(config.pgSchema ? { pgSchema: config.pgSchema } : {}),
    onPoolError: (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'),
  });
  const sealer = await createSealer({ dataDir: config.dataDir, ...(config.kek ? { kek: config.kek } : {}) });
  logger.info({ kekSource: sealer.kekSource, kekId: sealer.kekId }, 'key-encryption key loaded');
  if (config.databaseUrl && sealer.kekSource === 'key-file') {
    // Each instance would generate its own key file and could not open what the others sealed.
    logger.warn(
      'DATABASE_URL is set but API_CONNECTORS_KEK is not: this instance uses its own key file. ' +
        'Give every instance the same API_CONNECTORS_KEK.',
    );
  }
  const limits = { maxBytes: config.pfxMaxBytes, maxIterations: config.pfxMaxIterations };
  const decodeWorkers = {
    ...(config.decodeThreads > 0 ? { threads: config.decodeThreads } : {}),
    niceIncrement: config.decodeNice,
  };
  const service = new ConnectorService({
    repository,
    sealer,
    clock,
    maxConnectorsPerTenant: config.maxConnectorsPerTenant,
    readCacheTenants: config.readCacheTenants,
    decode: async (value, password) => {
      const pkcs12 = await loadDecoder();
      await pkcs12.configureDecodeWorkers(decodeWorkers); // no-op unless the settings changed
      return pkcs12.decodePkcs12InWorker(value, password, limits);
    },
  });
  const list = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const auth = await createAuth({
    mode: config.authMode,
    dataDir: config.dataDir,
    publicUrls: list(config.publicUrl),
    audiences: list(config.authAudiences),
    ...(config.authTrustedIssuers ? { trustedIssuers: config.authTrustedIssuers } : {}),
    ...(config.authDevConfig ? { devConfigPath: config.authDevConfig } : {}),
  });
  const authenticator = overrides.authenticator ?? auth.authenticator;
  const devIssuer = auth.devIssuer;
  const tls = config.https ? await loadTls(config) : undefined;
  const server = await buildServer({
    service,
    authenticator,
    readiness: () => repository.ping(),
    logger,
    bodyLimit: config.bodyLimit,
    odataContextBase: config.odataContextBase,
    ...(tls ? { https: tls.serverOptions } : {}),
    plugins: [
      ...(devIssuer ? [issuerRoutesPlugin(devIssuer)] : []),
      ...(adjustable ? [emulatorRoutes(adjustable, authenticator)] : []),
    ],
  });

  return {
    server,
    service,
    repository,
    async listen() {
      await server.listen({ host: config.host, port: config.port });
      const address = server.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      return `${tls ? 'https' : 'http'}://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
    },
    async devToken(request = {}) {
      if (!devIssuer) throw new Error('development tokens need AUTH_MODE=development');
      const delegated = request.scopes !== undefined;
      return devIssuer.issueToken({
        ...request,
        tenantId: request.tenantId ?? DEV_TENANT_ID,
        ...(delegated ? {} : { roles: request.roles ?? [API_CONNECTORS_PERMISSION] }),
      });
    },
    banner(baseUrl) {
      return devIssuer ? devIssuer.banner(baseUrl) : [];
    },
    tlsCaPem: tls?.caPem,
    async close() {
      await server.close();
      await repository.close();
    },
  };
}
