// Graph conventions over HTTP: the error envelope, headers, status codes for bad requests, OData options, limits.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { STORES, startServer, type CallResult, type TestServer } from './harness.js';

const BASIC = { '@odata.type': '#microsoft.graph.basicAuthentication', username: 'u', password: 'p' };
const connector = (displayName: string) => ({
  displayName,
  targetUrl: 'https://someapi.com/api',
  authenticationConfiguration: BASIC,
});

function assertEnvelope(response: CallResult, status: number, code: string): void {
  assert.equal(response.status, status, response.text);
  assert.deepEqual(Object.keys(response.json), ['error']);
  assert.deepEqual(Object.keys(response.json.error), ['code', 'message', 'innerError']);
  assert.equal(response.json.error.code, code);
  assert.ok(response.json.error.message.length > 10);
  const inner = response.json.error.innerError;
  assert.deepEqual(Object.keys(inner), ['date', 'request-id', 'client-request-id']);
  assert.match(inner.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  assert.equal(inner['request-id'], response.headers.get('request-id'));
}

for (const store of STORES) {
  describe(`Graph conventions (${store})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ store, config: { maxConnectorsPerTenant: 5, bodyLimit: 200_000 } });
    });
    after(async () => server?.close());

    test('request-id on every response; client-request-id echoed, or equal to request-id when not sent', async () => {
      const plain = await server.call('GET', '/v1.0/identity/apiConnectors');
      assert.match(plain.headers.get('request-id')!, /^[0-9a-f-]{36}$/);
      assert.equal(plain.headers.get('client-request-id'), plain.headers.get('request-id'));
      const echoed = await server.call('GET', '/v1.0/identity/apiConnectors/nope', undefined, {
        'client-request-id': 'my-trace-1',
      });
      assert.equal(echoed.headers.get('client-request-id'), 'my-trace-1');
      assertEnvelope(echoed, 404, 'Request_ResourceNotFound');
      assert.equal(echoed.json.error.innerError['client-request-id'], 'my-trace-1');
    });

    test('malformed, empty and non-JSON bodies; wrong methods; unknown segments', async () => {
      assertEnvelope(await server.call('POST', '/v1.0/identity/apiConnectors', '{"displayName":'), 400, 'BadRequest');
      assertEnvelope(
        await server.call('POST', '/v1.0/identity/apiConnectors', '', { 'content-type': 'application/json' }),
        400,
        'BadRequest',
      );
      const text = await server.call('POST', '/v1.0/identity/apiConnectors', 'hello', { 'content-type': 'text/plain' });
      assertEnvelope(text, 415, 'UnsupportedMediaType');
      assert.match(text.json.error.message, /text\/plain/);
      const put = await server.call('PUT', '/v1.0/identity/apiConnectors', connector('x'));
      assertEnvelope(put, 405, 'Request_BadRequest');
      assert.equal(put.headers.get('allow'), 'GET, POST');
      const getAction = await server.call('GET', '/v1.0/identity/apiConnectors/abc/uploadClientCertificate');
      assertEnvelope(getAction, 405, 'Request_BadRequest');
      assert.equal(getAction.headers.get('allow'), 'POST');
      const segment = await server.call('GET', '/v1.0/identity/apiConnectorz');
      assertEnvelope(segment, 400, 'BadRequest');
      assert.match(segment.json.error.message, /segment 'apiConnectorz'/);
      assertEnvelope(await server.call('GET', '/v2.0/identity/apiConnectors'), 400, 'BadRequest');
    });

    test('an oversized body is a 413 and stores nothing', async () => {
      const before = await server.call('GET', '/v1.0/identity/apiConnectors/$count');
      const huge = await server.call('POST', '/v1.0/identity/apiConnectors', {
        ...connector('big'),
        displayName: 'x'.repeat(300_000),
      });
      assertEnvelope(huge, 413, 'RequestEntityTooLarge');
      const afterCount = await server.call('GET', '/v1.0/identity/apiConnectors/$count');
      assert.equal(afterCount.text, before.text);
    });

    test('validation errors are 400 with the property named, and change nothing', async () => {
      const before = (await server.call('GET', '/v1.0/identity/apiConnectors')).text;
      const cases: Array<[unknown, RegExp]> = [
        [{ targetUrl: 'https://a.com', authenticationConfiguration: BASIC }, /'displayName' is required/],
        [{ ...connector('x'), targetUrl: 'http://example.com/' }, /must use https/],
        [{ ...connector('x'), unknown: 1 }, /'unknown' does not exist/],
        [{ ...connector('x'), displayName: 7 }, /must be a string/],
      ];
      for (const [body, message] of cases) {
        const response = await server.call('POST', '/v1.0/identity/apiConnectors', body);
        assertEnvelope(response, 400, 'Request_BadRequest');
        assert.match(response.json.error.message, message);
      }
      assert.equal((await server.call('GET', '/v1.0/identity/apiConnectors')).text, before);
    });

    test('the per-tenant limit holds under concurrent creates', async () => {
      const existing = Number((await server.call('GET', '/v1.0/identity/apiConnectors/$count')).text);
      const results = await Promise.all(
        Array.from({ length: 15 }, (_, i) =>
          server.call('POST', '/v1.0/identity/apiConnectors', connector(`limit-${i}`)),
        ),
      );
      const created = results.filter((r) => r.status === 201).length;
      assert.equal(created, 5 - existing);
      for (const refused of results.filter((r) => r.status !== 201))
        assertEnvelope(refused, 400, 'Directory_QuotaExceeded');
      assert.equal((await server.call('GET', '/v1.0/identity/apiConnectors/$count')).text, '5');
    });

    test('OData: $select, $filter, $orderby, $top with nextLink, $count; unsupported options are 400', async () => {
      const list = await server.call(
        'GET',
        `/v1.0/identity/apiConnectors?$select=id,displayName&$orderby=displayName desc`,
      );
      assert.equal(list.status, 200, list.text);
      assert.equal(
        list.json['@odata.context'],
        'https://graph.microsoft.com/v1.0/$metadata#identity/apiConnectors(id,displayName)',
      );
      for (const item of list.json.value) assert.deepEqual(Object.keys(item), ['id', 'displayName']);
      const names = list.json.value.map((c: { displayName: string }) => c.displayName);
      assert.deepEqual(names, [...names].sort().reverse());

      const filtered = await server.call(
        'GET',
        `/v1.0/identity/apiConnectors?$filter=${encodeURIComponent("displayName eq 'limit-0'")}`,
      );
      assert.equal(filtered.status, 200, filtered.text);
      assert.ok(filtered.json.value.every((c: { displayName: string }) => c.displayName === 'limit-0'));

      const page = await server.call('GET', '/v1.0/identity/apiConnectors?$top=2&$count=true');
      assert.equal(page.json['@odata.count'], 5);
      assert.equal(page.json.value.length, 2);
      const next = new URL(page.json['@odata.nextLink']);
      assert.equal(next.searchParams.get('$skip'), '2');
      const second = await server.call('GET', next.pathname + next.search);
      assert.equal(second.json.value.length, 2);
      assert.notEqual(second.json.value[0].id, page.json.value[0].id);

      const one = page.json.value[0].id;
      const selected = await server.call('GET', `/v1.0/identity/apiConnectors/${one}?%24select=displayName`);
      assert.equal(
        selected.text,
        JSON.stringify({
          '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#identity/apiConnectors(displayName)/$entity',
          displayName: page.json.value[0].displayName,
        }),
      );
      assert.equal((await server.call('GET', `/v1.0/identity/apiConnectors/${one}?$expand=*`)).status, 200);
      assertEnvelope(await server.call('GET', '/v1.0/identity/apiConnectors?$search=x'), 400, 'Request_BadRequest');
      assertEnvelope(await server.call('GET', '/v1.0/identity/apiConnectors?$top=-1'), 400, 'Request_BadRequest');
      assertEnvelope(
        await server.call('GET', '/v1.0/identity/apiConnectors?$select=password'),
        400,
        'Request_BadRequest',
      );
    });

    test('health and readiness probes', async () => {
      assert.equal((await server.call('GET', '/healthz')).status, 200);
      const ready = await server.call('GET', '/readyz');
      assert.equal(ready.status, 200);
      assert.equal(ready.json.status, 'ready');
    });
  });
}

describe('data survives a restart', () => {
  for (const store of STORES) {
    test(store, async () => {
      const first = await startServer({ store });
      const created = await first.call('POST', '/v1.0/identity/apiConnectors', connector('persisted'));
      assert.equal(created.status, 201);
      const dataDir = first.config.dataDir;
      const pg = first.config.databaseUrl
        ? { databaseUrl: first.config.databaseUrl, schema: first.config.pgSchema! }
        : undefined;
      await first.close({ keepData: true });
      const second = await startServer({ store, dataDir, adopt: true, ...(pg ? { pg } : {}) });
      try {
        const got = await second.call('GET', `/v1.0/identity/apiConnectors/${created.json.id}`);
        assert.equal(got.status, 200);
        assert.equal(got.json.displayName, 'persisted');
      } finally {
        await second.close();
      }
    });
  }
});
