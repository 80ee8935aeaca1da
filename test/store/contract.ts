// The repository contract: one suite, run against every store (SQLite and PostgreSQL), so both behave the same.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectorRow } from '../../src/store/repository.js';
import { concurrencyContract } from './contract-concurrency.js';
import { generationContract } from './contract-generation.js';
import { basic, cert, createBasic, NOW, stored, withStoreFrom, type StoreUnderTest } from './contract-fixtures.js';

export { cert, type StoreUnderTest } from './contract-fixtures.js';

export function runRepositoryContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  const withStore = withStoreFrom(makeStore);

  describe(`ConnectorRepository contract: ${name}`, () => {
    test('create then get returns the same row; tenants are isolated', () =>
      withStore(async (open) => {
        const repo = await open();
        const created = await createBasic(repo, 'tenant-a', 'c1');
        const expected: ConnectorRow = {
          tenantId: 'tenant-a',
          id: 'c1',
          displayName: 'name c1',
          targetUrl: 'https://example.com/c1',
          auth: { kind: 'basic', username: 'user', sealedPassword: 'v1.sealed.pw.user' },
          createdAt: NOW,
          updatedAt: NOW,
        };
        assert.deepEqual(created, expected);
        assert.deepEqual(await repo.get('tenant-a', 'c1'), expected);
        assert.equal(await repo.get('tenant-b', 'c1'), undefined);
        assert.equal(await repo.get('tenant-a', 'missing'), undefined);
        assert.deepEqual(await repo.list('tenant-b'), []);
        // Another tenant may use the same id; wrong-tenant writes find nothing.
        await createBasic(repo, 'tenant-b', 'c1');
        assert.equal(await repo.update('tenant-c', 'c1', { displayName: 'x' }, NOW + 1), undefined);
        assert.equal(await repo.appendCertificate('tenant-c', 'c1', cert(1), NOW + 1), undefined);
        assert.equal(await repo.delete('tenant-c', 'c1'), false);
        assert.deepEqual(await repo.get('tenant-a', 'c1'), expected);
      }));

    test('create with certificates assigns seq 1..n in order; 64-bit times round-trip exactly', () =>
      withStore(async (open) => {
        const repo = await open();
        const farFuture = cert(1, { notBefore: -631_152_000, notAfter: 253_402_300_799 }); // 1950 .. 9999
        const beyond2038 = cert(2, { notAfter: 2 ** 40 });
        const createdAt = 4_102_444_800_123; // year 2100, in ms
        const result = await repo.create(
          {
            tenantId: 't',
            id: 'c',
            displayName: 'd',
            targetUrl: 'https://x.test',
            auth: { kind: 'certificate', certificates: [farFuture, beyond2038] },
            now: createdAt,
          },
          20,
        );
        assert.ok(result.ok);
        const expectedAuth = {
          kind: 'certificate',
          certificates: [stored(farFuture, 1, createdAt), stored(beyond2038, 2, createdAt)],
        };
        assert.deepEqual(result.row.auth, expectedAuth);
        const read = await repo.get('t', 'c');
        assert.deepEqual(read?.auth, expectedAuth);
        assert.equal(read?.createdAt, createdAt);
        assert.equal(typeof read?.createdAt, 'number');
      }));

    test('create refuses a duplicate id (conflict) and the per-tenant limit (limit)', () =>
      withStore(async (open) => {
        const repo = await open();
        const make = (tenantId: string, id: string, limit: number) =>
          repo.create({ tenantId, id, displayName: id, targetUrl: 'https://x.test', auth: basic(), now: NOW }, limit);
        assert.ok((await make('t', 'a', 2)).ok);
        assert.deepEqual(await make('t', 'a', 2), { ok: false, reason: 'conflict' });
        assert.ok((await make('t', 'b', 2)).ok);
        assert.deepEqual(await make('t', 'c', 2), { ok: false, reason: 'limit' });
        assert.deepEqual(await make('t', 'a', 2), { ok: false, reason: 'conflict' }, 'conflict wins over limit');
        assert.ok((await make('other', 'c', 2)).ok, 'limits are per tenant');
        assert.equal(await repo.delete('t', 'a'), true);
        assert.ok((await make('t', 'c', 2)).ok, 'a delete frees a slot');
        assert.deepEqual((await repo.list('t')).map((row) => row.id).sort(), ['b', 'c']);
      }));

    test('list returns the tenant’s connectors by creation time, then id', () =>
      withStore(async (open) => {
        const repo = await open();
        await createBasic(repo, 't', 'z-late', NOW + 10);
        await createBasic(repo, 't', 'b-same', NOW);
        await createBasic(repo, 't', 'a-same', NOW);
        await createBasic(repo, 'u', 'other', NOW - 5);
        await repo.appendCertificate('t', 'b-same', cert(7), NOW + 20);
        const rows = await repo.list('t');
        assert.deepEqual(
          rows.map((row) => row.id),
          ['a-same', 'b-same', 'z-late'],
        );
        assert.deepEqual(rows[1]?.auth, {
          kind: 'certificate',
          certificates: [stored(cert(7), 1, NOW + 20)],
        });
        assert.deepEqual(rows, await Promise.all(rows.map((row) => repo.get('t', row.id))));
      }));

    test('update patches only the given fields and bumps updatedAt', () =>
      withStore(async (open) => {
        const repo = await open();
        const before = await createBasic(repo, 't', 'c');
        const renamed = await repo.update('t', 'c', { displayName: 'renamed' }, NOW + 1);
        assert.deepEqual(renamed, { ...before, displayName: 'renamed', updatedAt: NOW + 1 });
        const moved = await repo.update('t', 'c', { targetUrl: 'https://moved.test' }, NOW + 2);
        assert.deepEqual(moved, {
          ...before,
          displayName: 'renamed',
          targetUrl: 'https://moved.test',
          updatedAt: NOW + 2,
        });
        assert.deepEqual(await repo.get('t', 'c'), moved);
        assert.equal(await repo.update('t', 'missing', { displayName: 'x' }, NOW), undefined);
      }));

    test('update with auth replaces the whole configuration; seq keeps increasing across replacements', () =>
      withStore(async (open, store) => {
        const repo = await open();
        await createBasic(repo, 't', 'c');
        await repo.appendCertificate('t', 'c', cert(1), NOW + 1);
        await repo.appendCertificate('t', 'c', cert(2), NOW + 2);
        const replaced = await repo.update(
          't',
          'c',
          { auth: { kind: 'certificate', certificates: [cert(3), cert(4)] } },
          NOW + 3,
        );
        assert.deepEqual(replaced?.auth, {
          kind: 'certificate',
          certificates: [stored(cert(3), 3, NOW + 3), stored(cert(4), 4, NOW + 3)],
        });
        assert.equal(await store.countCertificateRows('t', 'c'), 2);
        const toBasic = await repo.update('t', 'c', { auth: basic('again') }, NOW + 4);
        assert.deepEqual(toBasic?.auth, basic('again'));
        assert.equal(await store.countCertificateRows('t', 'c'), 0, 'basic auth drops certificate rows');
        const appended = await repo.appendCertificate('t', 'c', cert(5), NOW + 5);
        assert.deepEqual(appended?.auth, {
          kind: 'certificate',
          certificates: [stored(cert(5), 5, NOW + 5)],
        });
        const emptied = await repo.update('t', 'c', { auth: { kind: 'certificate', certificates: [] } }, NOW + 6);
        assert.deepEqual(emptied?.auth, { kind: 'certificate', certificates: [] });
      }));

    test('appendCertificate switches basic to certificate, appends in order, returns the row after the append', () =>
      withStore(async (open) => {
        const repo = await open();
        const before = await createBasic(repo, 't', 'c');
        const first = await repo.appendCertificate('t', 'c', cert(1), NOW + 1);
        assert.deepEqual(first, {
          ...before,
          auth: { kind: 'certificate', certificates: [stored(cert(1), 1, NOW + 1)] },
          updatedAt: NOW + 1,
        });
        const second = await repo.appendCertificate('t', 'c', cert(2), NOW + 2);
        assert.deepEqual(second?.auth, {
          kind: 'certificate',
          certificates: [stored(cert(1), 1, NOW + 1), stored(cert(2), 2, NOW + 2)],
        });
        assert.equal(second?.createdAt, NOW);
        assert.deepEqual(await repo.get('t', 'c'), second);
        assert.equal(await repo.appendCertificate('t', 'missing', cert(3), NOW), undefined);
      }));

    test('sealed keys are stored as given on create, append and replace, and never come back from a read', () =>
      withStore(async (open, store) => {
        const repo = await open();
        const created = await repo.create(
          {
            tenantId: 't',
            id: 'c',
            displayName: 'd',
            targetUrl: 'https://x.test',
            auth: { kind: 'certificate', certificates: [cert(1)] },
            now: NOW,
          },
          20,
        );
        assert.ok(created.ok);
        const appended = await repo.appendCertificate('t', 'c', cert(2), NOW + 1);
        assert.deepEqual(await store.sealedKeys('t', 'c'), [cert(1).sealedKey, cert(2).sealedKey]);
        for (const row of [created.row, appended, await repo.get('t', 'c'), ...(await repo.list('t'))]) {
          assert.ok(!JSON.stringify(row).includes('v1.sealed.key'), 'a read returned key material');
        }
        await repo.update('t', 'c', { auth: { kind: 'certificate', certificates: [cert(3)] } }, NOW + 2);
        assert.deepEqual(await store.sealedKeys('t', 'c'), [cert(3).sealedKey]);
      }));

    test('delete removes the connector and cascades its certificates', () =>
      withStore(async (open, store) => {
        const repo = await open();
        await createBasic(repo, 't', 'c');
        await repo.appendCertificate('t', 'c', cert(1), NOW);
        await repo.appendCertificate('t', 'c', cert(2), NOW);
        assert.equal(await store.countCertificateRows('t', 'c'), 2);
        assert.equal(await repo.delete('t', 'c'), true);
        assert.equal(await store.countCertificateRows('t', 'c'), 0);
        assert.equal(await repo.get('t', 'c'), undefined);
        assert.equal(await repo.delete('t', 'c'), false);
        // A new connector with the same id starts clean.
        await createBasic(repo, 't', 'c');
        const again = await repo.appendCertificate('t', 'c', cert(9), NOW);
        assert.deepEqual(again?.auth, { kind: 'certificate', certificates: [stored(cert(9), 1, NOW)] });
      }));

    test('data survives close and reopen', () =>
      withStore(async (open) => {
        const first = await open();
        await createBasic(first, 't', 'c');
        const written = await first.appendCertificate('t', 'c', cert(1, { notAfter: 2 ** 33 }), NOW + 1);
        await first.close();
        const second = await open();
        assert.deepEqual(await second.get('t', 'c'), written);
        assert.deepEqual(await second.list('t'), [written]);
      }));

    test('a failing write leaves nothing behind (create, update, append)', () =>
      withStore(async (open, store) => {
        const repo = await open();
        const broken = cert(2, { sealedKey: null as unknown as string }); // NOT NULL violation, after earlier writes
        const fractional = cert(3, { notAfter: 1.5 }); // not a 64-bit integer
        await assert.rejects(
          repo.create(
            {
              tenantId: 't',
              id: 'c',
              displayName: 'd',
              targetUrl: 'https://x.test',
              auth: { kind: 'certificate', certificates: [cert(1), broken] },
              now: NOW,
            },
            1,
          ),
        );
        assert.equal(await repo.get('t', 'c'), undefined);
        assert.equal(await store.countCertificateRows('t', 'c'), 0);
        const created = await repo.create(
          { tenantId: 't', id: 'c', displayName: 'd', targetUrl: 'https://x.test', auth: basic(), now: NOW },
          1,
        );
        assert.ok(created.ok, 'the failed create did not use up the limit of 1');

        const withCert = await repo.appendCertificate('t', 'c', cert(1), NOW + 1);
        await assert.rejects(
          repo.update(
            't',
            'c',
            { displayName: 'half-done', auth: { kind: 'certificate', certificates: [cert(4), broken] } },
            NOW + 2,
          ),
        );
        assert.deepEqual(await repo.get('t', 'c'), withCert);
        await assert.rejects(repo.appendCertificate('t', 'c', fractional, NOW + 3));
        assert.deepEqual(await repo.get('t', 'c'), withCert);
        // The seq counter rolled back too.
        const next = await repo.appendCertificate('t', 'c', cert(5), NOW + 4);
        assert.deepEqual(next?.auth.kind === 'certificate' ? next.auth.certificates.map((c) => c.seq) : [], [1, 2]);
      }));

    test('ping passes when ready, fails after close or with migrations missing', () =>
      withStore(async (open, store) => {
        const repo = await open();
        const closed = await open();
        await repo.ping();
        await store.forgetMigration();
        await assert.rejects(repo.ping(), /migrations not applied: 1/);
        await closed.close();
        await assert.rejects(closed.ping());
        await closed.close(); // idempotent
      }));

    concurrencyContract(withStore);
    generationContract(withStore);
  });
}
