import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinFills } from './builtins.js';

const fill = (target: object, name: string): ((...a: any[]) => any) => {
  const f = builtinFills().find((x) => x.target === target && x.name === name);
  assert.ok(f, `${name} is among the fills`);
  return f!.value;
};

test('array fills give what V8 gives where the running Node has them (Node 20+: toSorted, toReversed, toSpliced, with)', () => {
  const samples = [[], [3, 1, 2], [1, , 3], ['b', 'a', 'c', 'a'], [10, 9, 1, 100]];
  for (const xs of samples) {
    assert.deepEqual(fill(Array.prototype, 'toReversed').call(xs), (xs as any).toReversed());
    assert.deepEqual(fill(Array.prototype, 'toSorted').call(xs), (xs as any).toSorted());
    assert.deepEqual(fill(Array.prototype, 'toSorted').call(xs, (a: any, b: any) => (a > b ? -1 : 1)), (xs as any).toSorted((a: any, b: any) => (a > b ? -1 : 1)));
    for (const args of [[], [1], [1, 1], [-1, 0, 'x', 'y'], [0, 99]]) assert.deepEqual(fill(Array.prototype, 'toSpliced').apply(xs, args), (xs as any).toSpliced(...args));
    if (xs.length) assert.deepEqual(fill(Array.prototype, 'with').call(xs, -1, 'z'), (xs as any).with(-1, 'z'));
  }
  assert.throws(() => fill(Array.prototype, 'with').call([1], 5, 0), RangeError);
  assert.throws(() => fill(Array.prototype, 'toSorted').call([1], 'nope'), TypeError);
  const typed = new Uint8Array([3, 1, 2]);
  const typedProto = Object.getPrototypeOf(Uint8Array.prototype);
  const sorted = fill(typedProto, 'toSorted').call(typed);
  assert.ok(sorted instanceof Uint8Array);
  assert.deepEqual([...sorted], [1, 2, 3]);
  assert.deepEqual([...typed], [3, 1, 2], 'the original is left alone');
});

test('Set methods, groupBy, fromAsync, Promise.try, Error.isError and iterator helpers follow the proposals', async () => {
  const a = new Set([1, 2, 3]);
  const b = new Set([3, 4]);
  const call = (name: string, ...args: unknown[]) => fill(Set.prototype, name).call(a, ...args);
  assert.deepEqual([...call('union', b)], [1, 2, 3, 4]);
  assert.deepEqual([...call('intersection', b)], [3]);
  assert.deepEqual([...call('difference', b)], [1, 2]);
  assert.deepEqual([...call('symmetricDifference', b)], [1, 2, 4]);
  assert.equal(call('isSubsetOf', new Set([1, 2, 3, 4])), true);
  assert.equal(call('isSupersetOf', new Set([1])), true);
  assert.equal(call('isDisjointFrom', b), false);
  const byParity = fill(Object, 'groupBy')([1, 2, 3, 4], (x: number) => (x % 2 ? 'odd' : 'even'));
  assert.equal(Object.getPrototypeOf(byParity), null);
  assert.deepEqual({ ...byParity }, { odd: [1, 3], even: [2, 4] });
  const m = fill(Map, 'groupBy')(['ab', 'c', 'de'], (s: string) => s.length);
  assert.deepEqual([...m], [[2, ['ab', 'de']], [1, ['c']]]);
  async function* gen() {
    yield 1;
    yield 2;
  }
  assert.deepEqual(await fill(Array, 'fromAsync')(gen(), (x: number) => x * 10), [10, 20]);
  assert.equal(await fill(Promise, 'try')((x: number) => x + 1, 1), 2);
  await assert.rejects(fill(Promise, 'try')(() => {
    throw new Error('sync throw becomes a rejection');
  }), /sync throw/);
  assert.equal(fill(Error, 'isError')(new TypeError('x')), true);
  assert.equal(fill(Error, 'isError')({ message: 'x' }), false);
  const iterProto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
  const it = () => [1, 2, 3, 4][Symbol.iterator]();
  const h = (name: string, ...args: unknown[]) => fill(iterProto, name).call(it(), ...args);
  assert.deepEqual([...h('map', (x: number) => x * 2)], [2, 4, 6, 8]);
  assert.deepEqual([...h('filter', (x: number) => x % 2)], [1, 3]);
  assert.deepEqual([...h('take', 2)], [1, 2]);
  assert.deepEqual([...h('drop', 3)], [4]);
  assert.deepEqual([...h('flatMap', (x: number) => [x, x])].length, 8);
  assert.equal(h('reduce', (s: number, x: number) => s + x), 10);
  assert.deepEqual(h('toArray'), [1, 2, 3, 4]);
  assert.equal(h('some', (x: number) => x > 3), true);
  assert.equal(h('every', (x: number) => x > 3), false);
  assert.equal(h('find', (x: number) => x > 2), 3);
});
