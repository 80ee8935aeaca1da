// Graph's wire conventions shared by every route: request ids, response headers, the error envelope.
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { IssuerUnavailableError } from '../auth/issuers.js';
import { AuthError } from '../auth/types.js';
import { ApiError, errors } from '../errors.js';

export const ODATA_JSON =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

const DIAGNOSTIC = JSON.stringify({
  ServerInfo: { DataCenter: 'local', Slice: 'E', Ring: '0', ScaleUnit: '000', RoleInstance: 'api-connectors' },
});

/** Graph's innerError date: `YYYY-MM-DDTHH:mm:ss`, UTC, no zone, no fraction (observed). */
function graphDate(): string {
  return new Date().toISOString().slice(0, 19);
}

function clientRequestId(request: FastifyRequest): string {
  const sent = request.headers['client-request-id'];
  const value = Array.isArray(sent) ? sent[0] : sent;
  // Echo what the caller sent (bounded, printable) or, as Graph does, the request-id.
  return value && value.length <= 128 && /^[\x21-\x7e]+$/.test(value) ? value : request.id;
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: ApiError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply
    .code(error.status)
    .type('application/json')
    .send(
      JSON.stringify({
        error: {
          code: error.code,
          message: error.message,
          innerError: { date: graphDate(), 'request-id': request.id, 'client-request-id': clientRequestId(request) },
        },
      }),
    );
}

/** Maps anything thrown by a route, a hook or fastify itself to one ApiError. */
function toApiError(error: unknown, context: { bodyLimit: number; contentType: string | undefined }): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof AuthError) {
    return new ApiError(
      error.status,
      error.code,
      error.message,
      error.wwwAuthenticate ? { 'www-authenticate': error.wwwAuthenticate } : {},
    );
  }
  if (error instanceof IssuerUnavailableError) {
    // The issuer's signing keys could not be fetched: our failure, not the caller's token.
    return errors.issuerUnavailable();
  }
  const fastifyError = error as Partial<FastifyError>;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errors.unsupportedMediaType(context.contentType);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.emptyBody();
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.bodyTooLarge(context.bodyLimit);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return errors.invalidJson();
  }
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) return errors.invalidJson();
  return errors.internal();
}

export function registerGraphConventions(app: FastifyInstance, options: { bodyLimit: number }): void {
  // Callback style, not async: nothing here waits, and an async hook costs every request a promise and a tick.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('request-id', request.id);
    reply.header('client-request-id', clientRequestId(request));
    reply.header('x-ms-ags-diagnostic', DIAGNOSTIC);
    reply.header('cache-control', 'private');
    if (request.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000');
    done();
  });

  app.setErrorHandler((error, request, reply) => {
    const apiError = toApiError(error, { bodyLimit: options.bodyLimit, contentType: request.headers['content-type'] });
    if (apiError.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendError(request, reply, apiError);
  });
}

export function newRequestId(): string {
  return randomUUID();
}
