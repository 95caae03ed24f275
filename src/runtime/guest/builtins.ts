/**
 * Language features the snapshot builder's context lacks. V8 installs flag-gated built-ins when
 * it deserialises a context, so a normal start and a restored process have them, but the
 * context the builder runs the app in does not (measured by comparing own property names):
 * Node 20 lacks Array.prototype.toSorted/toReversed/toSpliced/with (and the TypedArray ones),
 * Node 22 lacks Object.groupBy, Map.groupBy, the Set methods, Array.fromAsync and the
 * iterator helpers, Node 24 lacks Promise.try and Error.isError. An app that uses one during
 * init or warm-up (@koa/router calls toReversed on every request) would fail only inside the
 * build. thaw adds spec-following versions of the missing ones while building and removes them
 * at the checkpoint, so restored processes have V8's own.
 */
import { pair } from './session.js';

type Fn = (...a: any[]) => any;

const toInt = (n: unknown): number => {
  const x = Math.trunc(Number(n));
  return Number.isNaN(x) ? 0 : x;
};
const relIndex = (i: unknown, len: number): number => {
  const r = toInt(i);
  return r < 0 ? Math.max(len + r, 0) : Math.min(r, len);
};

function arrayMethods(make: (self: any, len: number) => any): Record<string, Fn> {
  return {
    toReversed(this: any) {
      const len = this.length >>> 0;
      const out = make(this, len);
      for (let i = 0; i < len; i++) out[i] = this[len - 1 - i];
      return out;
    },
    toSorted(this: any, compare?: Fn) {
      if (compare !== undefined && typeof compare !== 'function') throw new TypeError('The comparison function must be either a function or undefined');
      const len = this.length >>> 0;
      const out = make(this, len);
      for (let i = 0; i < len; i++) out[i] = this[i];
      return out.sort(compare);
    },
    with(this: any, index: unknown, value: unknown) {
      const len = this.length >>> 0;
      let i = toInt(index);
      if (i < 0) i += len;
      if (i < 0 || i >= len) throw new RangeError('Invalid index : ' + String(index));
      const out = make(this, len);
      for (let k = 0; k < len; k++) out[k] = k === i ? value : this[k];
      return out;
    },
  };
}

const setMethods: Record<string, Fn> = {
  union(this: Set<unknown>, other: Iterable<unknown> & { keys(): Iterable<unknown> }) {
    const out = new Set(this);
    for (const v of other.keys()) out.add(v);
    return out;
  },
  intersection(this: Set<unknown>, other: { has(v: unknown): boolean }) {
    const out = new Set();
    for (const v of this) if (other.has(v)) out.add(v);
    return out;
  },
  difference(this: Set<unknown>, other: { has(v: unknown): boolean }) {
    const out = new Set();
    for (const v of this) if (!other.has(v)) out.add(v);
    return out;
  },
  symmetricDifference(this: Set<unknown>, other: { keys(): Iterable<unknown> }) {
    const out = new Set(this);
    for (const v of other.keys()) {
      if (this.has(v)) out.delete(v);
      else out.add(v);
    }
    return out;
  },
  isSubsetOf(this: Set<unknown>, other: { has(v: unknown): boolean }) {
    for (const v of this) if (!other.has(v)) return false;
    return true;
  },
  isSupersetOf(this: Set<unknown>, other: { keys(): Iterable<unknown> }) {
    for (const v of other.keys()) if (!this.has(v)) return false;
    return true;
  },
  isDisjointFrom(this: Set<unknown>, other: { has(v: unknown): boolean }) {
    for (const v of this) if (other.has(v)) return false;
    return true;
  },
};

function groupBy<K>(items: Iterable<unknown>, key: (v: unknown, i: number) => K, add: (k: K, v: unknown) => void): void {
  let i = 0;
  for (const v of items) add(key(v, i++), v);
}

const iteratorHelpers: Record<string, Fn> = {
  *map(this: Iterator<unknown>, fn: Fn) {
    let i = 0;
    for (let r = this.next(); !r.done; r = this.next()) yield fn(r.value, i++);
  },
  *filter(this: Iterator<unknown>, fn: Fn) {
    let i = 0;
    for (let r = this.next(); !r.done; r = this.next()) if (fn(r.value, i++)) yield r.value;
  },
  *take(this: Iterator<unknown>, n: number) {
    for (let left = toInt(n); left > 0; left--) {
      const r = this.next();
      if (r.done) return;
      yield r.value;
    }
  },
  *drop(this: Iterator<unknown>, n: number) {
    for (let left = toInt(n); left > 0; left--) if (this.next().done) return;
    for (let r = this.next(); !r.done; r = this.next()) yield r.value;
  },
  *flatMap(this: Iterator<unknown>, fn: Fn) {
    let i = 0;
    for (let r = this.next(); !r.done; r = this.next()) yield* fn(r.value, i++);
  },
  reduce(this: Iterator<unknown>, fn: Fn, ...init: unknown[]) {
    let i = 0;
    let acc: unknown;
    if (init.length) acc = init[0];
    else {
      const first = this.next();
      if (first.done) throw new TypeError('Reduce of empty iterator with no initial value');
      acc = first.value;
      i = 1;
    }
    for (let r = this.next(); !r.done; r = this.next()) acc = fn(acc, r.value, i++);
    return acc;
  },
  toArray(this: Iterator<unknown>) {
    const out: unknown[] = [];
    for (let r = this.next(); !r.done; r = this.next()) out.push(r.value);
    return out;
  },
  forEach(this: Iterator<unknown>, fn: Fn) {
    let i = 0;
    for (let r = this.next(); !r.done; r = this.next()) fn(r.value, i++);
  },
  some(this: Iterator<unknown>, fn: Fn) {
    let i = 0;
    for (let r = this.next(); !r.done; r = this.next()) if (fn(r.value, i++)) return true;
    return false;
  },
  every(this: Iterator<unknown>, fn: Fn) {
    let i = 0;
    for (let r = this.next(); !r.done; r = this.next()) if (!fn(r.value, i++)) return false;
    return true;
  },
  find(this: Iterator<unknown>, fn: Fn) {
    let i = 0;
    for (let r = this.next(); !r.done; r = this.next()) if (fn(r.value, i++)) return r.value;
    return undefined;
  },
};

/** Every built-in thaw can fill in: where it goes, its name, and thaw's version of it. */
export function builtinFills(): Array<{ target: object; name: string; value: Fn }> {
  const out: Array<{ target: object; name: string; value: Fn }> = [];
  const add = (target: object, name: string, value: Fn): void => {
    Object.defineProperty(value, 'name', { value: name });
    out.push({ target, name, value });
  };
  const typedProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
  for (const [name, fn] of Object.entries(arrayMethods((_s, len) => new Array(len)))) add(Array.prototype, name, fn);
  add(Array.prototype, 'toSpliced', function toSpliced(this: any, start: unknown, ...rest: unknown[]) {
    const copy = Array.from({ length: this.length >>> 0 }, (_v, i) => this[i]);
    if (arguments.length === 0) return copy;
    const s = relIndex(start, copy.length);
    const count = rest.length === 0 ? copy.length - s : Math.min(Math.max(toInt(rest[0]), 0), copy.length - s);
    copy.splice(s, count, ...rest.slice(1));
    return copy;
  });
  for (const [name, fn] of Object.entries(arrayMethods((s, len) => new (s.constructor as new (n: number) => any)(len)))) add(typedProto, name, fn);
  for (const [name, fn] of Object.entries(setMethods)) add(Set.prototype, name, fn);
  add(Object, 'groupBy', function groupBy_(items: Iterable<unknown>, key: (v: unknown, i: number) => PropertyKey) {
    const out: Record<PropertyKey, unknown[]> = Object.create(null);
    groupBy(items, key, (k, v) => (out[k] ??= []).push(v));
    return out;
  });
  add(Map, 'groupBy', function groupBy_(items: Iterable<unknown>, key: (v: unknown, i: number) => unknown) {
    const out = new Map<unknown, unknown[]>();
    groupBy(items, key, (k, v) => {
      const list = out.get(k);
      if (list) list.push(v);
      else out.set(k, [v]);
    });
    return out;
  });
  add(Array, 'fromAsync', async function fromAsync(items: AsyncIterable<unknown> | Iterable<unknown>, map?: Fn, thisArg?: unknown) {
    const out: unknown[] = [];
    let i = 0;
    for await (const v of items as AsyncIterable<unknown>) out.push(map ? await map.call(thisArg, v, i++) : v);
    return out;
  });
  add(Promise, 'try', function try_(fn: Fn, ...args: unknown[]) {
    return new Promise((resolve) => resolve(fn(...args)));
  });
  add(Error, 'isError', function isError(v: unknown) {
    return Object.prototype.toString.call(v) === '[object Error]' || v instanceof Error;
  });
  const iteratorProto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as object;
  for (const [name, fn] of Object.entries(iteratorHelpers)) add(iteratorProto, name, fn);
  return out;
}

export function fillBuiltins(): void {
  const added: Array<[object, string]> = [];
  for (const { target, name, value } of builtinFills()) {
    if (Object.prototype.hasOwnProperty.call(target, name)) continue;
    Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
    added.push([target, name]);
  }
  pair(
    'built-ins the builder lacks',
    () => {
      for (const [target, name] of added.splice(0)) delete (target as Record<string, unknown>)[name];
    },
    undefined,
  );
}
