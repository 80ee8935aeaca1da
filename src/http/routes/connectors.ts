// /identity/apiConnectors routes for one Graph version. Thin: authenticate, hand the body to the service,
// serialise the answer. All rules live in src/connectors.
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { Authenticator, Principal } from '../../auth/types.js';
import type { Connector } from '../../connectors/model.js';
import type { ConnectorService } from '../../connectors/service.js';
import { errors } from '../../errors.js';
import { ODATA_JSON, sendError } from '../graph-conventions.js';
import { applyListQuery, parseGetQuery, parseListQuery } from '../odata.js';
import { connectorJson, contextUrl, entityBody, type GraphVersion } from '../serialize.js';

export interface ConnectorRoutesOptions {
  version: GraphVersion;
  service: ConnectorService;
  authenticator: Authenticator;
  /** Base of @odata.context URLs; Graph's own host by default so bodies match recorded Graph responses. */
  odataContextBase: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

type Query = Record<string, string | string[] | undefined>;
type IdParams = { id: string };

const ALL_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** GUIDs are case-insensitive; ids are stored lower-case. */
function normaliseId(id: string): string {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? id.toLowerCase() : id;
}

function tenantOf(request: FastifyRequest): string {
  if (!request.principal) throw errors.internal(); // the onRequest hook always sets it
  return request.principal.tenantId;
}

function sendJson(reply: FastifyReply, status: number, body: string | Buffer): FastifyReply {
  return reply.code(status).header('odata-version', '4.0').type(ODATA_JSON).send(body);
}

export async function connectorRoutes(app: FastifyInstance, options: ConnectorRoutesOptions): Promise<void> {
  const { version, service, authenticator, odataContextBase: base } = options;

  app.addHook('onRequest', async (request) => {
    request.principal = await authenticator.authenticate(request.headers.authorization);
  });

  /** Registers the handlers of one path and answers 405 (with Allow) for every other method. */
  function resource(
    url: string,
    handlers: Partial<
      Record<'GET' | 'POST' | 'PATCH' | 'DELETE', (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>>
    >,
  ): void {
    const allowed = Object.keys(handlers) as HTTPMethods[];
    for (const method of allowed) app.route({ method, url, handler: handlers[method as keyof typeof handlers]! });
    const others = ALL_METHODS.filter((m) => !allowed.includes(m) && !(m === 'HEAD' && allowed.includes('GET')));
    app.route({
      method: others,
      url,
      handler: async (request, reply) => sendError(request, reply, errors.methodNotAllowed(request.method, allowed)),
    });
  }

  const collection = '/identity/apiConnectors';
  const item = `${collection}/:id`;

  resource(collection, {
    GET: async (request, reply) => {
      const query = parseListQuery(request.query as Query);
      const render = (all: Connector[]): string => {
        const { page, total } = applyListQuery(all, query);
        const body: Record<string, unknown> = {
          '@odata.context': contextUrl(base, version, 'collection', query.select),
        };
        if (query.count) body['@odata.count'] = total;
        body['value'] = page.map((c: Connector) => connectorJson(c, query.select));
        if (query.top !== undefined && query.skip + query.top < total) {
          const next = new URL(request.url, `${request.protocol}://${request.host}`);
          next.searchParams.set('$skip', String(query.skip + query.top));
          body['@odata.nextLink'] = next.toString();
        }
        return JSON.stringify(body);
      };
      // Without $top there is no nextLink, so the body depends only on the version and the parsed query: reusable.
      const body =
        query.top === undefined
          ? await service.renderList(tenantOf(request), `${version}|${JSON.stringify(query)}`, render)
          : render(await service.list(tenantOf(request)));
      return sendJson(reply, 200, body);
    },
    POST: async (request, reply) => {
      const connector = await service.create(tenantOf(request), request.body);
      reply.header('location', `${request.protocol}://${request.host}/${version}${collection}/${connector.id}`);
      return sendJson(reply, 201, entityBody(base, version, connector));
    },
  });

  resource(`${collection}/$count`, {
    GET: async (request, reply) => {
      const count = (await service.list(tenantOf(request))).length;
      return reply.code(200).type('text/plain;charset=utf-8').send(String(count));
    },
  });

  resource(item, {
    GET: async (request, reply) => {
      const { select } = parseGetQuery(request.query as Query);
      const id = normaliseId((request.params as IdParams).id);
      const body = await service.renderOne(tenantOf(request), id, `${version}|${select?.join(',') ?? '*'}`, (c) =>
        entityBody(base, version, c, select),
      );
      return sendJson(reply, 200, body);
    },
    PATCH: async (request, reply) => {
      await service.update(tenantOf(request), normaliseId((request.params as IdParams).id), request.body);
      return reply.code(204).send();
    },
    DELETE: async (request, reply) => {
      await service.delete(tenantOf(request), normaliseId((request.params as IdParams).id));
      return reply.code(204).send();
    },
  });

  // Current SDKs post to /uploadClientCertificate, older generated ones to the namespace-qualified name.
  for (const action of ['uploadClientCertificate', 'microsoft.graph.uploadClientCertificate']) {
    resource(`${item}/${action}`, {
      POST: async (request, reply) => {
        const id = normaliseId((request.params as IdParams).id);
        const connector = await service.uploadClientCertificate(tenantOf(request), id, request.body);
        return sendJson(reply, 200, entityBody(base, version, connector));
      },
    });
  }
}
