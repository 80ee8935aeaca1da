// The ceiling for the read benchmarks: a bare fastify app that answers GET /item and GET /list with fixed bytes
// (the real server's responses, captured by the bench) and nothing else: no auth, no store, no Graph headers, no
// logging. Also the floor for start-up time (process start to first 200 of a fastify app).
// Usage: node bench/lib/bare-server.mjs [ITEM_BODY_FILE LIST_BODY_FILE]; prints "bare fastify at http://HOST:PORT/".
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import fastify from 'fastify';

const CONTENT_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const [itemFile, listFile] = process.argv.slice(2);
const item = itemFile ? readFileSync(itemFile) : Buffer.from('{}');
const list = listFile ? readFileSync(listFile) : Buffer.from('{"value":[]}');

const app = fastify({ logger: false });
app.get('/item', (_request, reply) => reply.type(CONTENT_TYPE).send(item));
app.get('/list', (_request, reply) => reply.type(CONTENT_TYPE).send(list));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`bare fastify at ${address}/`);
process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
