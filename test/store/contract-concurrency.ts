// The concurrency half of the repository contract: several repository instances (connections or pools — for
// PostgreSQL, as good as separate processes) on one database, racing each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectorRow } from '../../src/store/repository.js';
import { basic, cert, createBasic, NOW, type WithStore } from './contract-fixtures.js';

export function concurrencyContract(withStore: WithStore): void {
  test('instances opening a new database together all migrate without error', () =>
    withStore(async (open) => {
      const repos = await Promise.all([open(), open(), open()]);
      await Promise.all(repos.map((repo) => repo.ping()));
      await createBasic(repos[0]!, 't', 'c');
      assert.equal((await repos[2]!.get('t', 'c'))?.id, 'c');
    }));

  test('300 concurrent appends over 3 instances keep every certificate exactly once, seq 1..300', () =>
    withStore(async (open) => {
      const repos = await Promise.all([open(), open(), open()]);
      await createBasic(repos[0]!, 't', 'c');
      const results = await Promise.all(
        Array.from({ length: 300 }, (_, i) => repos[i % 3]!.appendCertificate('t', 'c', cert(i + 1), NOW + i)),
      );
      const final = await repos[1]!.get('t', 'c');
      assert.equal(final?.auth.kind, 'certificate');
      const certs = final?.auth.kind === 'certificate' ? final.auth.certificates : [];
      assert.deepEqual(
        certs.map((c) => c.seq),
        Array.from({ length: 300 }, (_, i) => i + 1),
      );
      assert.deepEqual(new Set(certs.map((c) => c.thumbprint)), new Set(results.map((_, i) => cert(i + 1).thumbprint)));
      // Each append's result holds its own certificate, under a seq no other append got.
      const ownSeqs = results.map((row, i) => {
        const list = row?.auth.kind === 'certificate' ? row.auth.certificates : [];
        const own = list.find((c) => c.thumbprint === cert(i + 1).thumbprint);
        assert.ok(own, `append ${i} sees its certificate`);
        assert.equal(list.at(-1)?.seq, own.seq, 'the returned row is as of that append');
        return own.seq;
      });
      assert.equal(new Set(ownSeqs).size, 300);
    }));

  test('60 concurrent creates in one tenant over 3 instances respect the limit of 20 exactly', () =>
    withStore(async (open) => {
      const repos = await Promise.all([open(), open(), open()]);
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          repos[i % 3]!.create(
            {
              tenantId: 't',
              id: `c${i}`,
              displayName: `c${i}`,
              targetUrl: 'https://x.test',
              auth: basic(),
              now: NOW + i,
            },
            20,
          ),
        ),
      );
      assert.equal(results.filter((r) => r.ok).length, 20);
      assert.equal(results.filter((r) => !r.ok && r.reason === 'limit').length, 40);
      assert.equal((await repos[0]!.list('t')).length, 20);
      // Same id from every instance at once: exactly one wins.
      const sameId = await Promise.all(
        Array.from({ length: 9 }, (_, i) =>
          repos[i % 3]!.create(
            { tenantId: 'u', id: 'dup', displayName: 'd', targetUrl: 'https://x.test', auth: basic(), now: NOW },
            20,
          ),
        ),
      );
      assert.equal(sameId.filter((r) => r.ok).length, 1);
      assert.equal(sameId.filter((r) => !r.ok && r.reason === 'conflict').length, 8);
    }));

  test('a PATCH racing an upload ends in one of the two serial orders', () =>
    withStore(async (open) => {
      const [one, two] = await Promise.all([open(), open()]);
      const rounds = 20;
      await Promise.all(
        Array.from({ length: rounds }, async (_, round) => {
          const id = `c${round}`;
          await one!.create(
            {
              tenantId: 't',
              id,
              displayName: 'before',
              targetUrl: 'https://x.test',
              auth: { kind: 'certificate', certificates: [cert(1)] },
              now: NOW,
            },
            rounds,
          );
          // Alternate which write starts first and which instance runs it, so both serial orders get exercised.
          const [patcher, uploader] = round % 2 === 0 ? [one!, two!] : [two!, one!];
          const patch = () =>
            patcher.update(
              't',
              id,
              { displayName: 'after', auth: { kind: 'certificate', certificates: [cert(2)] } },
              NOW + 1,
            );
          const upload = () => uploader.appendCertificate('t', id, cert(3), NOW + 2);
          const [patched, uploaded] =
            round % 4 < 2
              ? await Promise.all([patch(), upload()])
              : await Promise.all([upload(), patch()]).then(([u, p]) => [p, u] as const);
          const final = await two!.get('t', id);
          const summary = (row: ConnectorRow | undefined) =>
            row && row.auth.kind === 'certificate'
              ? {
                  name: row.displayName,
                  certs: row.auth.certificates.map((c) => `${c.thumbprint.slice(-1)}@${c.seq}`),
                }
              : undefined;
          const patchThenUpload = {
            patched: { name: 'after', certs: ['2@2'] },
            uploaded: { name: 'after', certs: ['2@2', '3@3'] },
            final: { name: 'after', certs: ['2@2', '3@3'] },
          };
          const uploadThenPatch = {
            uploaded: { name: 'before', certs: ['1@1', '3@2'] },
            patched: { name: 'after', certs: ['2@3'] },
            final: { name: 'after', certs: ['2@3'] },
          };
          const observed = { patched: summary(patched), uploaded: summary(uploaded), final: summary(final) };
          assert.ok(
            isDeepStrictEqual(observed, patchThenUpload) || isDeepStrictEqual(observed, uploadThenPatch),
            `round ${round}: not a serial outcome: ${JSON.stringify(observed)}`,
          );
        }),
      );
    }));
}

function isDeepStrictEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}
