// GenerationReads: reads asked for in one turn of the event loop share one fetch, and no read is answered by a fetch
// that started before it was asked for (that is what keeps a cached read fresh after a write).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { GenerationReads } from '../../src/store/generation-reads.js';

/** A store whose fetches the test answers by hand, recording what each one asked for. */
function manualStore() {
  const generations = new Map<string, number>();
  const fetches: Array<{ tenantIds: string[]; answer(): void; fail(error: Error): void }> = [];
  const reads = new GenerationReads(
    (tenantIds) =>
      new Promise((resolve, reject) => {
        // The snapshot is taken when the fetch is answered, as a statement's is when it runs.
        fetches.push({ tenantIds, answer: () => resolve(new Map(generations)), fail: reject });
      }),
  );
  return { generations, fetches, reads };
}

describe('GenerationReads', () => {
  test('reads asked for in one turn share one fetch, one entry per tenant', async () => {
    const { generations, fetches, reads } = manualStore();
    generations.set('a', 3).set('b', 7);
    const pending = [reads.read('a'), reads.read('b'), reads.read('a'), reads.read('missing')];
    assert.equal(fetches.length, 0, 'nothing is fetched before the turn ends');
    await nextTurn();
    assert.deepEqual(
      fetches.map((f) => f.tenantIds),
      [['a', 'b', 'missing']],
    );
    fetches[0]!.answer();
    assert.deepEqual(await Promise.all(pending), [3, 7, 3, undefined]);
    assert.equal(fetches.length, 1);
  });

  test('a read asked for while a fetch is in flight is answered by the next fetch, with what it sees', async () => {
    const { generations, fetches, reads } = manualStore();
    generations.set('a', 1);
    const early = reads.read('a');
    await nextTurn();
    assert.equal(fetches.length, 1);
    // A write commits and is acknowledged; then a read is asked for. The fetch in flight may predate the write.
    const late = reads.read('a');
    await nextTurn();
    assert.equal(fetches.length, 2, 'the late read started a fetch of its own');
    fetches[0]!.answer(); // answered with the old value... (generations still holds 1)
    generations.set('a', 2); // ...the write lands...
    fetches[1]!.answer(); // ...and the late read's fetch sees it
    assert.equal(await early, 1);
    assert.equal(await late, 2);
  });

  test('reads in different turns are fetched separately', async () => {
    const { generations, fetches, reads } = manualStore();
    generations.set('a', 5);
    const first = reads.read('a');
    await nextTurn();
    fetches[0]!.answer();
    assert.equal(await first, 5);
    const second = reads.read('a');
    await nextTurn();
    assert.equal(fetches.length, 2);
    fetches[1]!.answer();
    assert.equal(await second, 5);
  });

  test('a failed fetch rejects every read of its batch; the next batch fetches again', async () => {
    const { generations, fetches, reads } = manualStore();
    generations.set('a', 1);
    const failing = [reads.read('a'), reads.read('b')];
    await nextTurn();
    fetches[0]!.fail(new Error('connection lost'));
    for (const read of failing) await assert.rejects(read, /connection lost/);
    const retried = reads.read('a');
    await nextTurn();
    fetches[1]!.answer();
    assert.equal(await retried, 1);
  });

  test('a fetch that throws instead of rejecting rejects its batch instead of crashing', async () => {
    let calls = 0;
    const reads = new GenerationReads(() => {
      calls++;
      if (calls === 1) throw new Error('database is closed');
      return Promise.resolve(new Map([['a', 9]]));
    });
    await assert.rejects(reads.read('a'), /database is closed/);
    assert.equal(await reads.read('a'), 9);
  });
});
