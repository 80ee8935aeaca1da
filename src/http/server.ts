// Builds the fastify application: Graph conventions, the connector routes for v1.0 and beta, health probes.
// No listening, no configuration parsing here (src/cli/serve.ts and src/app.ts do that), so tests can build it freely.
import { createRequire } from 'node:module';
import fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type { Authenticator } from '../auth/types.js';
import type { ConnectorService } from '../connectors/service.js';
import { errors } from '../errors.js';
import { newRequestId, registerGraphConventions, sendError } from './graph-conventions.js';
import { connectorRoutes } from './routes/connectors.js';

export interface ServerOptions {
  service: ConnectorService;
  authenticator: Authenticator;
  /** Throws when the store is unreachable or not migrated (GET /readyz). */
  readiness: () => Promise<void>;
  logger?: FastifyServerOptions['loggerInstance'];
  bodyLimit?: number;
  odataContextBase?: string;
  /** TLS: PEM key and certificate, or a PKCS#12 file and its password (node:tls reads it natively). */
  https?: { key: string | Buffer; cert: string | Buffer } | { pfx: Buffer; passphrase: string };
  /** Extra plugins on the same port, e.g. the development token issuer. */
  plugins?: Array<(app: FastifyInstance) => Promise<void>>;
}

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<CompilersFactory['buildValidator']>;
type SerializerFactory = NonNullable<CompilersFactory['buildSerializer']>;

// No route declares a JSON schema (src/connectors/validation.ts validates bodies, to give Graph's error messages), so
// fastify's schema compilers (ajv and fast-json-stringify, ~40 ms of start-up) are loaded only if a schema appears.
// They are fastify's own dependencies, hence resolved from fastify's location.
const requireFromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
let validatorFactory: ValidatorFactory | undefined;
let serializerFactory: SerializerFactory | undefined;
const lazyCompilers: CompilersFactory = {
  buildValidator: (...args) => {
    validatorFactory ??= (requireFromFastify('@fastify/ajv-compiler') as () => ValidatorFactory)();
    return validatorFactory(...args);
  },
  buildSerializer: (...args) => {
    serializerFactory ??= (requireFromFastify('@fastify/fast-json-stringify-compiler') as () => SerializerFactory)();
    return serializerFactory(...args);
  },
};

type Logger = NonNullable<FastifyServerOptions['loggerInstance']>;

/**
 * The access log's logger: a child of the server's logger without its redaction. Redaction walks every log object
 * for the wildcard paths (app.ts, REDACTED_PATHS), ~10 µs per line, and an access line cannot hold a secret: it is
 * built only from the fields below (no headers, no body). Every other log line keeps the redaction.
 */
function accessLogger(logger: Logger): Logger {
  return logger.child(
    {},
    {
      redact: { paths: [] },
      serializers: {
        req: (request: FastifyRequest) => ({
          method: request.method,
          url: request.url,
          host: request.host,
          remoteAddress: request.ip,
          remotePort: request.socket.remotePort,
        }),
        res: (reply: FastifyReply) => ({ statusCode: reply.statusCode }),
      },
    },
  );
}

/**
 * One access-log line per request instead of fastify's two ('incoming request', then 'request completed'): the
 * completion line, with the method and URL added. Halves the logging work of every request (docs/performance.md).
 */
class AccessLog extends LogController {
  constructor(private readonly access: Logger | undefined) {
    super();
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) {
      reply.log.error({ req: request, res: reply, responseTime: reply.elapsedTime, err: error }, 'request errored');
    } else if (this.access) {
      this.access.info(
        { reqId: request.id, req: request, res: reply, responseTime: reply.elapsedTime },
        'request completed',
      );
    }
  }
}

export const DEFAULT_BODY_LIMIT = 1_048_576;
const VERSIONS = ['v1.0', 'beta'] as const;

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    ...(options.https ? { https: options.https } : {}),
    bodyLimit,
    genReqId: newRequestId,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    schemaController: { compilersFactory: lazyCompilers },
    logController: new AccessLog(options.logger ? accessLogger(options.logger) : undefined),
    // Graph wants JSON; a text/plain body is refused with 415 rather than parsed as a string.
  }) as unknown as FastifyInstance;
  app.removeContentTypeParser('text/plain');

  registerGraphConventions(app, { bodyLimit });

  app.get('/healthz', async (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    try {
      await options.readiness();
      return reply.send({ status: 'ready' });
    } catch (error) {
      request.log.warn({ err: error }, 'not ready');
      return sendError(request, reply, errors.notReady('the store is unreachable or not migrated'));
    }
  });

  for (const version of VERSIONS) {
    await app.register(connectorRoutes, {
      prefix: `/${version}`,
      version,
      service: options.service,
      authenticator: options.authenticator,
      odataContextBase: options.odataContextBase ?? 'https://graph.microsoft.com',
    });
  }
  for (const plugin of options.plugins ?? []) await app.register(plugin);

  app.setNotFoundHandler(async (request, reply) => {
    const segments = new URL(request.url, 'http://x').pathname.split('/').filter(Boolean);
    const [version, ...rest] = segments;
    if (!version || !VERSIONS.some((v) => v === version.toLowerCase())) {
      return sendError(request, reply, errors.segmentNotFound(version ?? ''));
    }
    const expected = ['identity', 'apiconnectors'];
    const bad = rest.find((segment, i) => i >= expected.length || segment.toLowerCase() !== expected[i]);
    return sendError(request, reply, errors.segmentNotFound(bad ?? rest[rest.length - 1] ?? version));
  });
  return app;
}
