// The tenant generation (migration 004): every write to a tenant's rows increases it in the write's own transaction,
// reads and failed writes leave it alone, and it is shared by every instance on the database. The read cache
// (src/connectors/read-cache.ts) is only correct if all of this holds, so each store must prove it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cert, createBasic, NOW, type WithStore } from './contract-fixtures.js';

export function generationContract(withStore: WithStore): void {
  describe('tenant generation', () => {
    test('every kind of write increases it; reads, other tenants and refused writes do not', () =>
      withStore(async (open) => {
        const repo = await open();
        assert.equal(await repo.generation('t'), undefined, 'a tenant never seen has no generation');
        await createBasic(repo, 't', 'c1');
        await createBasic(repo, 'other', 'c1');

        let last = await repo.generation('t');
        assert.equal(typeof last, 'number');
        const expectIncrease = async (what: string, write: () => Promise<unknown>) => {
          await write();
          const now = await repo.generation('t');
          assert.ok(now !== undefined && last !== undefined && now > last, `${what}: ${last} -> ${now}`);
          last = now;
        };
        const expectSame = async (what: string, action: () => Promise<unknown>) => {
          await action().catch(() => undefined);
          assert.equal(await repo.generation('t'), last, what);
        };

        await expectIncrease('create', () => createBasic(repo, 't', 'c2'));
        await expectIncrease('update', () => repo.update('t', 'c1', { displayName: 'renamed' }, NOW + 1));
        await expectIncrease('append', () => repo.appendCertificate('t', 'c1', cert(1), NOW + 2));
        await expectIncrease('replace auth', () =>
          repo.update('t', 'c1', { auth: { kind: 'certificate', certificates: [cert(2)] } }, NOW + 3),
        );
        await expectIncrease('delete', () => repo.delete('t', 'c2'));

        await expectSame('reads', async () => {
          await repo.list('t');
          await repo.get('t', 'c1');
          await repo.listSnapshot('t');
        });
        await expectSame('a write to another tenant', () => repo.update('other', 'c1', { displayName: 'x' }, NOW));
        await expectSame('update of a missing id', () => repo.update('t', 'missing', { displayName: 'x' }, NOW));
        await expectSame('append of a duplicate thumbprint', () => repo.appendCertificate('t', 'c1', cert(2), NOW));
        await expectSame('delete of a missing id', () => repo.delete('t', 'missing'));
        await expectSame('create over the limit', () =>
          repo.create(
            { tenantId: 't', id: 'c9', displayName: 'd', targetUrl: 'https://x.test', auth: basicAuth, now: NOW },
            1,
          ),
        );
      }));

    test('listSnapshot returns the rows of list() and the generation they were read at', () =>
      withStore(async (open) => {
        const repo = await open();
        await createBasic(repo, 't', 'c1');
        await repo.appendCertificate('t', 'c1', cert(1), NOW + 1);
        await createBasic(repo, 't', 'c2');
        const snapshot = await repo.listSnapshot('t');
        assert.deepEqual(snapshot.rows, await repo.list('t'));
        assert.equal(snapshot.generation, await repo.generation('t'));
        assert.deepEqual(await repo.listSnapshot('nobody'), { generation: undefined, rows: [] });
      }));

    test('a write through one instance is seen by the generation read through another', () =>
      withStore(async (open) => {
        const [writer, reader] = [await open(), await open()];
        await createBasic(writer, 't', 'c1');
        const before = await reader.generation('t');
        await writer.appendCertificate('t', 'c1', cert(1), NOW + 1);
        const after = await reader.generation('t');
        assert.ok(before !== undefined && after !== undefined && after > before);
        assert.deepEqual((await reader.listSnapshot('t')).generation, after);
      }));

    test("reads asked for together (one shared statement) each get their own tenant's generation", () =>
      withStore(async (open) => {
        const repo = await open();
        await createBasic(repo, 'a', 'c1');
        await createBasic(repo, 'b', 'c1');
        await repo.update('b', 'c1', { displayName: 'b2' }, NOW + 1);
        const one = { a: await repo.generation('a'), b: await repo.generation('b') };
        assert.ok(one.a !== undefined && one.b !== undefined && one.a !== one.b, JSON.stringify(one));
        const together = await Promise.all(['a', 'b', 'nobody', 'a', "it's"].map((t) => repo.generation(t)));
        assert.deepEqual(together, [one.a, one.b, undefined, one.a, undefined]);
      }));
  });
}

const basicAuth = { kind: 'basic', username: 'u', sealedPassword: 'v1.sealed' } as const;
