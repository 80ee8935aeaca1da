// TenantReadCache: when it asks the store, and what it keeps. Coherence across instances on real stores is pinned by
// test/e2e/read-cache.test.ts; the generation rules by the store contract (test/store/contract-generation.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CachedTenant, TenantReadCache } from '../../src/connectors/read-cache.js';
import type { ConnectorRepository, ConnectorRow } from '../../src/store/repository.js';

const row = (tenantId: string, id: string, displayName = id): ConnectorRow => ({
  tenantId,
  id,
  displayName,
  targetUrl: `https://example.com/${id}`,
  auth: { kind: 'certificate', certificates: [] },
  createdAt: 1,
  updatedAt: 1,
});

/** An in-memory store that counts what the cache asks of it. */
function fakeStore() {
  const tenants = new Map<string, { generation: number; rows: ConnectorRow[] }>();
  const calls = { listSnapshot: 0, generation: 0, get: 0 };
  const repository = {
    async listSnapshot(tenantId: string) {
      calls.listSnapshot++;
      const tenant = tenants.get(tenantId);
      return { generation: tenant?.generation, rows: structuredClone(tenant?.rows ?? []) };
    },
    async generation(tenantId: string) {
      calls.generation++;
      return tenants.get(tenantId)?.generation;
    },
    async get(tenantId: string, id: string) {
      calls.get++;
      return structuredClone(tenants.get(tenantId)?.rows.find((r) => r.id === id));
    },
  } as Partial<ConnectorRepository> as ConnectorRepository;
  const write = (tenantId: string, rows: ConnectorRow[]) => {
    const generation = (tenants.get(tenantId)?.generation ?? 0) + 1;
    tenants.set(tenantId, { generation, rows });
  };
  return { repository, calls, write };
}

describe('TenantReadCache', () => {
  test('a second list reads only the generation; a write elsewhere makes the next read go to the store', async () => {
    const { repository, calls, write } = fakeStore();
    const cache = new TenantReadCache(repository, 10);
    write('t', [row('t', 'a'), row('t', 'b')]);
    assert.deepEqual(await cache.list('t'), [row('t', 'a'), row('t', 'b')]);
    assert.deepEqual(calls, { listSnapshot: 1, generation: 0, get: 0 }, 'first read: the snapshot only');
    assert.deepEqual(await cache.list('t'), [row('t', 'a'), row('t', 'b')]);
    assert.deepEqual(calls, { listSnapshot: 1, generation: 1, get: 0 });

    write('t', [row('t', 'a', 'renamed')]); // as another instance would
    assert.deepEqual(await cache.list('t'), [row('t', 'a', 'renamed')]);
    assert.deepEqual(calls, { listSnapshot: 2, generation: 2, get: 0 });
  });

  test('a GET through tenant() loads the whole tenant once and answers the next ones, "not found" included', async () => {
    const { repository, calls, write } = fakeStore();
    const cache = new TenantReadCache(repository, 10);
    const get = async (id: string) => (await cache.tenant('t')).byId.get(id);
    write('t', [row('t', 'a'), row('t', 'b')]);
    assert.deepEqual(await get('a'), row('t', 'a'));
    assert.deepEqual(calls, { listSnapshot: 1, generation: 0, get: 0 }, 'a miss reads the tenant');
    assert.deepEqual(await get('b'), row('t', 'b'));
    assert.equal(await get('missing'), undefined);
    assert.deepEqual(calls, { listSnapshot: 1, generation: 2, get: 0 }, 'then only the generation');
    write('t', [row('t', 'a'), row('t', 'new')]);
    assert.deepEqual(await get('new'), row('t', 'new'));
    assert.equal(calls.listSnapshot, 2, 'stale entry: the tenant is read again');
  });

  test('keeps at most maxTenants, dropping the least recently used; 0 keeps nothing', async () => {
    const { repository, calls, write } = fakeStore();
    for (const t of ['t1', 't2', 't3']) write(t, [row(t, 'a')]);
    const cache = new TenantReadCache(repository, 2);
    await cache.list('t1');
    await cache.list('t2');
    await cache.list('t1'); // t1 is now the most recently used
    await cache.list('t3'); // evicts t2
    assert.equal(cache.size, 2);
    calls.listSnapshot = 0;
    await cache.list('t1');
    await cache.list('t3');
    assert.equal(calls.listSnapshot, 0, 't1 and t3 stayed');
    await cache.list('t2');
    assert.equal(calls.listSnapshot, 1, 't2 was evicted');

    const off = new TenantReadCache(repository, 0);
    await off.list('t1');
    await off.list('t1');
    assert.equal(off.size, 0);
  });

  test('a snapshot without a generation (tenant unknown to the store) is not cached; forget drops an entry', async () => {
    const { repository, calls, write } = fakeStore();
    const cache = new TenantReadCache(repository, 10);
    assert.deepEqual(await cache.list('nobody'), []);
    assert.equal((await cache.tenant('nobody')).byId.get('a'), undefined);
    assert.equal(cache.size, 0);
    write('t', [row('t', 'a')]);
    await cache.list('t');
    cache.forget('t');
    assert.equal(cache.size, 0);
    await cache.list('t');
    assert.equal(calls.listSnapshot, 4);
  });
});

describe('CachedTenant.rendered', () => {
  const withCert = (notBefore: number, notAfter: number): ConnectorRow => ({
    ...row('t', 'a'),
    auth: { kind: 'certificate', certificates: [{ thumbprint: 'AA', notBefore, notAfter, seq: 1, uploadedAt: 1 }] },
  });

  test('reuses a body under its key inside the activation window, and renders again outside it', () => {
    const tenant = new CachedTenant(1, [withCert(100, 200)]);
    let renders = 0;
    const produce = () => `body ${++renders}`;
    assert.equal(String(tenant.rendered('k', 150_000, produce)), 'body 1');
    assert.equal(String(tenant.rendered('k', 199_999, produce)), 'body 1', 'same window: reused');
    assert.equal(String(tenant.rendered('other', 150_000, produce)), 'body 2', 'another key: rendered');
    assert.equal(String(tenant.rendered('k', 200_000, produce)), 'body 3', 'notAfter reached: rendered again');
    assert.equal(String(tenant.rendered('k', 99_000, produce)), 'body 4', 'the clock went back before notBefore');
    assert.equal(String(tenant.rendered('k', 99_500, produce)), 'body 4');
  });

  test('keeps a bounded number of bytes of renderings; a body over the bound is not kept', () => {
    const tenant = new CachedTenant(1, [row('t', 'a')]);
    const kib = (n: number) => 'x'.repeat(n * 1024);
    tenant.rendered('a', 0, () => kib(20));
    tenant.rendered('b', 0, () => kib(10));
    assert.equal(String(tenant.rendered('a', 0, () => 'again')).length, 20 * 1024, '30 KiB: both kept');
    tenant.rendered('c', 0, () => kib(4)); // 34 KiB would pass the bound: the older ones go
    assert.equal(String(tenant.rendered('a', 0, () => 'again')), 'again');
    assert.equal(String(tenant.rendered('c', 0, () => 'again')).length, 4 * 1024, 'the newest stays');
    assert.equal(String(tenant.rendered('huge', 0, () => kib(40))).length, 40 * 1024);
    assert.equal(String(tenant.rendered('huge', 0, () => 'again')), 'again', 'too large to keep');
  });
});
