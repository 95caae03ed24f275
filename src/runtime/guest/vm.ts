/**
 * vm contexts while building. A second V8 context still registered at the checkpoint aborts
 * the builder (`Assertion failed: (contexts_.size()) == (1)`), and from Node 24 on one made at
 * all stays registered, even once collected (measured: `vm.createContext({})` alone, then
 * forced collection, still aborts on v24.21 and v26.10; v20 and v22 recover).
 *
 * vm.runInNewContext(code, sandbox) is the common use at load time: evaluating a data file
 * into an object (Next.js reads its manifests so, and keeps the sandbox). While building it is
 * answered without a context: the code runs with the sandbox as its global scope (a `with`
 * scope over a Proxy: what the code reads or assigns that is not a language built-in is the
 * sandbox's, `var` initialisers and `globalThis.x =` included), and its completion value is
 * returned, as the real call does. Objects it makes are this realm's (a real context would give
 * its own Object.prototype); what differs shows in the image's verification. A restored process
 * runs the real function. Other context makers (vm.createContext, new vm.Script(…)
 * .runInNewContext) are left alone; where the first was called is recorded for the message.
 */
import { pair, session, stackHere } from './session.js';

/** The globals of a fresh V8 context (ECMAScript's own), which the code reads from this realm. */
const LANGUAGE = new Set(
  'Object Function Array Number parseFloat parseInt Infinity NaN undefined Boolean String Symbol Date Promise RegExp Error AggregateError EvalError RangeError ReferenceError SyntaxError TypeError URIError JSON Math Intl ArrayBuffer SharedArrayBuffer Atomics Uint8Array Int8Array Uint16Array Int16Array Uint32Array Int32Array Float32Array Float64Array Float16Array Uint8ClampedArray BigUint64Array BigInt64Array DataView Map BigInt Set WeakMap WeakSet Proxy Reflect FinalizationRegistry WeakRef Iterator decodeURI decodeURIComponent encodeURI encodeURIComponent escape unescape eval isFinite isNaN console WebAssembly'.split(' '),
);
/** The evaluator's own names: never the sandbox's. */
const SCOPE = '__thaw_vm_scope';
const CODE = '__thaw_vm_code';

let restored = false;

function sandboxScope(sandbox: object): object {
  const scope: object = new Proxy(sandbox, {
    has: (t, k) => typeof k !== 'string' || (k !== SCOPE && k !== CODE && (!LANGUAGE.has(k) || Reflect.has(t, k))),
    get: (t, k) => {
      if (k === Symbol.unscopables) return undefined;
      if (Reflect.has(t, k)) return Reflect.get(t, k);
      return k === 'globalThis' ? scope : undefined;
    },
    set: (t, k, v) => Reflect.set(t, k, v),
  });
  return scope;
}

const evaluate = new Function(SCOPE, CODE, `with (${SCOPE}) { return eval(${CODE}); }`) as (scope: object, code: string) => unknown;

export function emulateNewContexts(): void {
  const vm = (process as any).getBuiltinModule('node:vm') as typeof import('node:vm');
  const real = vm.runInNewContext;
  let firstContextAt: string | undefined;
  vm.runInNewContext = function runInNewContext(this: unknown, code: string, sandbox?: object, options?: unknown) {
    if (restored) return real.call(this, code, sandbox as never, options as never);
    if (typeof code !== 'string') throw new TypeError('The "code" argument must be of type string');
    const target = sandbox ?? {};
    const scope = sandboxScope(target);
    return evaluate.call(scope, scope, code);
  } as typeof vm.runInNewContext;
  const createContext = vm.createContext;
  vm.createContext = function (this: unknown, ...args: unknown[]) {
    if (!restored && firstContextAt === undefined) firstContextAt = stackHere();
    return (createContext as Function).apply(this, args);
  } as typeof vm.createContext;
  session().collectors.push((r) => {
    r.vmContextAt = firstContextAt;
  });
  pair('vm contexts', undefined, () => {
    restored = true;
  });
}
