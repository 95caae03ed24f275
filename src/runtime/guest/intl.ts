/**
 * Intl objects across the checkpoint. Each Intl.DateTimeFormat, NumberFormat, Collator … holds
 * its ICU object through a V8 global handle, which the snapshot serializer cannot hold: one kept
 * by the app at checkpoint time aborts the build (CheckGlobalAndEternalHandles; measured on Node
 * 20 and 24 — NestJS's logger keeps a DateTimeFormat, formatting libraries keep theirs). While
 * building, the app's `new Intl.X(…)` makes a wrapper that creates the real object on first use
 * and lets go of it at the checkpoint; in a restored process the wrapper makes it again on its
 * next use, and Intl's constructors are Node's own again.
 */
import { pair } from './session.js';

const KINDS = ['DateTimeFormat', 'NumberFormat', 'Collator', 'PluralRules', 'RelativeTimeFormat', 'ListFormat', 'DisplayNames', 'Segmenter', 'Locale', 'DurationFormat'];
/** Intl constructors that, as in ECMA-402's legacy behaviour, may be called without `new`. */
const CALLABLE = new Set(['DateTimeFormat', 'NumberFormat', 'Collator']);

const kArgs = Symbol('thaw.intl.args');
const kInner = Symbol('thaw.intl.inner');
const kBound = Symbol('thaw.intl.bound');

interface Wrapped {
  [kArgs]: unknown[];
  [kInner]?: object;
  [kBound]?: Record<string, Function>;
}

const made = new Set<Wrapped>();

export function wrapIntl(): void {
  const natives: Array<[string, Function]> = [];
  for (const kind of KINDS) {
    const Native = (Intl as unknown as Record<string, (new (...a: unknown[]) => object) | undefined>)[kind];
    if (typeof Native !== 'function') continue;
    natives.push([kind, Native]);
    const inner = (w: Wrapped): object => (w[kInner] ??= new Native(...w[kArgs]));
    const Wrapper = function (this: Wrapped | undefined, ...args: unknown[]): unknown {
      if (!new.target) {
        if (CALLABLE.has(kind)) return new (Wrapper as unknown as new (...a: unknown[]) => object)(...args);
        throw new TypeError(`Constructor Intl.${kind} requires 'new'`);
      }
      const self = this as Wrapped;
      self[kArgs] = args;
      inner(self); // invalid locales and options throw now, as they would
      made.add(self);
      return undefined;
    } as unknown as Function & { prototype: object };
    Object.defineProperty(Wrapper, 'name', { value: kind });
    Wrapper.prototype = Object.create(Native.prototype);
    for (const key of Reflect.ownKeys(Native.prototype)) {
      if (key === 'constructor' || key === Symbol.toStringTag) continue;
      const d = Reflect.getOwnPropertyDescriptor(Native.prototype, key)!;
      if (d.get) {
        const get = d.get;
        Object.defineProperty(Wrapper.prototype, key, {
          configurable: true,
          enumerable: d.enumerable,
          get(this: Wrapped) {
            const v = get.call(inner(this));
            if (typeof v !== 'function') return v;
            // format/compare are bound functions: a stable one that follows the real object.
            const bound = (this[kBound] ??= {});
            return (bound[String(key)] ??= (...a: unknown[]) => (get.call(inner(this)) as Function)(...a));
          },
        });
      } else if (typeof d.value === 'function') {
        const fn = d.value as Function;
        Object.defineProperty(Wrapper.prototype, key, {
          configurable: true,
          writable: true,
          enumerable: d.enumerable,
          value: function (this: Wrapped, ...a: unknown[]) {
            return fn.apply(inner(this), a);
          },
        });
      }
    }
    Object.defineProperty(Wrapper.prototype, 'constructor', { configurable: true, writable: true, value: Wrapper });
    for (const key of Reflect.ownKeys(Native)) {
      if (key === 'prototype' || key === 'name' || key === 'length') continue;
      Object.defineProperty(Wrapper, key, Reflect.getOwnPropertyDescriptor(Native, key)!);
    }
    Object.defineProperty(Intl, kind, { configurable: true, writable: true, enumerable: false, value: Wrapper });
  }
  pair(
    'Intl objects',
    () => {
      for (const w of made) {
        delete w[kInner];
      }
      made.clear();
      for (const [kind, Native] of natives) Object.defineProperty(Intl, kind, { configurable: true, writable: true, enumerable: false, value: Native });
    },
    undefined,
  );
}
