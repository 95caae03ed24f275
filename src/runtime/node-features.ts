/**
 * Node-version differences that matter to snapshots, in one table (after tsx's
 * node-features.ts). Each entry says which releases behave how, and how we know.
 * Pure data plus tiny predicates: the runtime, the builder and the CLI all read it.
 */
export interface Quirk {
  id: string;
  /** Inclusive major-version range the quirk applies to. */
  majors: [number, number];
  what: string;
  source: string;
  handling: string;
}

export const quirks: Quirk[] = [
  {
    id: 'deferred-builtins-abort',
    majors: [20, 26],
    what: 'requiring node:http, https, http2 or tls, or touching fetch/Request/Response/Headers, inside --build-snapshot aborts V8 (exit 133) or throws (Node 20: "methods.toSorted is not a function")',
    source: 'measured here on v20.20.2, v22.23, v24.21, v26.10; Node docs: "userland modules … built-in modules not yet supported in snapshot"',
    handling: 'runtime/guest/http.ts and web.ts stand in for them and swap in the real ones after restore',
  },
  {
    id: 'builder-no-stack-trace-limit',
    majors: [20, 20],
    what: 'Error.stackTraceLimit is absent in the snapshot builder, so new Error().stack is undefined and depd-style structured stacks are empty (Express 5 crashes on load)',
    source: 'measured on v20.20.2; Node prints "Deleting Error.stackTraceLimit from the snapshot. It will be re-installed after deserialization"',
    handling: 'runtime/guest/main.ts begin() sets it to 10 (Node\'s default) while building',
  },
  {
    id: 'builder-before-exit-once',
    majors: [20, 26],
    what: "the snapshot builder emits 'beforeExit' once and serialises without spinning the loop again",
    source: 'measured on v20.20.2, v24.21, v26.10',
    handling: 'the builder keeps its own interval alive until the checkpoint is ready',
  },
  {
    id: 'restored-argv-without-script',
    majors: [20, 26],
    what: 'a process restored with --snapshot-blob has process.argv = [node, ...args], with no script path',
    source: 'measured on v20.20.2, v24.21, v26.10',
    handling: 'runtime/guest/main.ts puts the entry path back at argv[1] first thing in a restore, as in a cold start',
  },
  {
    id: 'uuid-cache-in-snapshot',
    majors: [20, 26],
    what: 'crypto.randomUUID() and randomInt() serve from JS-side caches of random bytes; filled during a build, every restore repeats them',
    source: 'lib/internal/crypto/random.js (uuidData/uuidBatch, randomCache)',
    handling: 'runtime/guest/entropy.ts answers them from randomBytes() while building, so the caches stay empty',
  },
  {
    id: 'regexp-code-unserializable',
    majors: [20, 20],
    what: 'V8 11.3 aborts ("unreachable code" in Serializer::ObjectSerializer::SerializeObject via VisitCodePointer) when the heap holds RegExp code compiled during the build (warm-up of marked + highlight.js); later V8s drop that code instead',
    source: 'measured on v20.20.2 with examples/markdown-app; builds with --regexp-interpret-all succeed, and V8 then requires the same flag at restore ("built with different V8 configurations")',
    handling: 'snapshot/build.ts rebuilds once with --regexp-interpret-all and records it as a restore flag in the manifest and IMG/start',
  },
  {
    id: 'builder-lacks-flagged-builtins',
    majors: [20, 26],
    what: "the builder's context lacks built-ins V8 installs only when it deserialises a context: Node 20 Array/TypedArray toSorted/toReversed/toSpliced/with; Node 22 Object.groupBy, Map.groupBy, Set methods, Array.fromAsync, iterator helpers; Node 24 Promise.try, Error.isError (and SharedArrayBuffer, Atomics, WebAssembly everywhere)",
    source: 'measured on v20.20.2, v22.23, v24.21: own property names in --build-snapshot vs a normal start vs a restored process (restored processes have them all)',
    handling: 'runtime/guest/builtins.ts adds them while building and removes them at the checkpoint',
  },
  {
    id: 'unformatted-error-stack-aborts',
    majors: [22, 22],
    what: 'an Error whose .stack was never read, still reachable at the checkpoint, crashes the builder (std::length_error in vector::_M_range_insert); graphql keeps one at module load',
    source: 'measured on v22.23.3 (not on 20.20, 24.21, 26.10): `globalThis.e = new Error()` in a plain --build-snapshot',
    handling: 'runtime/guest/errors.ts formats the stack of every reachable Error at the checkpoint (inspector Runtime.queryObjects)',
  },
  {
    id: 'internal-realm-context',
    majors: [20, 26],
    what: "internal/util's SideEffectFreeRegExpPrototype* helpers make a second realm (vm.runInNewContext) on first use and keep it; the builder then aborts (Assertion failed: (contexts_.size()) == (1)). Web streams call one when a reader is released: any completed pipeTo",
    source: 'measured on v20.20.2, v22.23, v24.21, v26.10 with `new ReadableStream({start(c){c.close()}}).pipeTo(new WritableStream())`; lib/internal/util.js getInternalGlobal()',
    handling: "the builder runs with --expose-internals and runtime/guest/node-internals.ts replaces those helpers before the app loads",
  },
  {
    id: 'console-create-task-unserializable',
    majors: [20, 26],
    what: 'console.createTask is a native function the serialiser has no external reference for: keeping it, keeping a task, or having called it once aborts the builder ("Unknown external reference"); React 19\'s development build calls it for every element',
    source: 'measured on v20.20.2, v22.23, v24.21, v26.10: `console.createTask("x")` alone in a plain --build-snapshot traps (exit 133)',
    handling: 'runtime/guest/console.ts makes plain JS tasks while building and deletes console.createTask at the checkpoint (Node installs V8\'s again in the restored process)',
  },
  {
    id: 'intl-objects-unserializable',
    majors: [20, 26],
    what: 'an Intl object (DateTimeFormat, NumberFormat, Collator, Locale …) reachable at the checkpoint aborts the builder: its ICU object sits behind a global handle',
    source: 'measured on v20.20.2 and v24.21 (CheckGlobalAndEternalHandles, [Foreign])',
    handling: 'runtime/guest/intl.ts makes build-time Intl objects lazy and lets go of their ICU objects at the checkpoint',
  },
];

export function applies(id: string, version: string): boolean {
  const major = Number(version.replace(/^v/, '').split('.')[0]);
  const q = quirks.find((x) => x.id === id);
  return !!q && major >= q.majors[0] && major <= q.majors[1];
}
