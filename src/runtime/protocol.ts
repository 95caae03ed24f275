/**
 * The contract between thaw's CLI (the host) and the builder prelude (the guest, src/runtime/
 * guest/) that runs inside `node --build-snapshot`: the config the host bakes into the bundle's
 * entry, and the report the guest writes as JSON before the heap is serialised. Both sides
 * import these types and constants; nothing else crosses the process boundary.
 */

/** Built-ins whose loading aborts the V8 snapshot builder: the app gets stand-ins until restore. */
export const DEFERRED_MODULES = ['http', 'https', 'http2', 'tls', '_http_agent', '_http_client', '_http_common', '_http_incoming', '_http_outgoing', '_http_server', '_tls_common', '_tls_wrap'] as const;
export type DeferredModule = (typeof DEFERRED_MODULES)[number];

/**
 * Web globals whose first touch loads undici (and with it http2): stand-ins until restore.
 * Measured: reading the property descriptor of each on Node 22.23, 24.21 and 26.10 loads undici
 * (26 adds ErrorEvent, 24 CloseEvent); on Node 20.20 reading the value does; calling fetch does.
 */
export const DEFERRED_GLOBALS = ['fetch', 'Request', 'Response', 'Headers', 'FormData', 'WebSocket', 'EventSource', 'MessageEvent', 'CloseEvent', 'ErrorEvent'] as const;
export type DeferredGlobal = (typeof DEFERRED_GLOBALS)[number];

/** What the host learnt about a deferred module's exports by asking the target Node. */
export interface ModuleShape {
  functions: string[];
  classes: string[];
  /** JSON-able data exports (METHODS, STATUS_CODES, maxHeaderSize …). */
  values: Record<string, unknown>;
}

/** One entry of a warm-up file: `{ method, path, headers?, body?, repeat? }`. */
export interface WarmupRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON (with content-type application/json). */
  body?: unknown;
  repeat?: number;
}

export interface WarmupResult {
  method: string;
  path: string;
  status: number;
  bytes: number;
  ms: number;
  /** The request may have changed the app's state (see isWrite). */
  write: boolean;
}

/**
 * May this request change the app's state? Anything but GET, HEAD and OPTIONS, except a GraphQL
 * query sent as POST (`{ "query": "{ … }" }` that is not a mutation), which only reads.
 */
export function isWrite(r: WarmupRequest): boolean {
  const method = r.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return false;
  const body = r.body as { query?: unknown } | undefined;
  if (method === 'POST' && body && typeof body === 'object' && typeof body.query === 'string') return /^\s*mutation\b/.test(body.query);
  return true;
}

/** Bundle line → original source file, for resolving computed requires from the right place. */
export interface SourceTable {
  files: string[];
  /** Pairs [first bundle line (1-based), index into files], ascending by line. */
  lines: number[];
}

export interface BuildConfig {
  /** The bundle's //# sourceURL: how frames of the app name it (see guest/stacks.ts). */
  bundleUrl: string;
  /** What process.argv[1] is in a cold start; restored processes get it back at argv[1]. */
  argv1: string;
  /** The app's entry file: computed requires from the bundle's own glue resolve from here. */
  entry: string;
  reportPath: string;
  /** JSON SourceTable written by the host next to the bundle (read once, at begin). */
  sourcesPath: string;
  /** The bundle's stack map while building (the image has its own copy, STACKMAP_FILE). */
  stackmapPath: string;
  /**
   * `thaw build --minify-packages`: the esbuild binary the guest minifies package files with,
   * and the folder (the image's PACKAGE_MAPS_DIR) it writes their stack maps into.
   */
  minify?: { esbuild: string; dir: string };
  /**
   * The esbuild executable thaw's loader makes CommonJS of an ES module with, when a CommonJS
   * package requires one (guest/modules.ts); absent when it is not installed.
   */
  esbuild?: string;
  /** acorn's CommonJS build: the guest finds comments in package files with it (guest/minify.ts). */
  acorn?: string;
  warmup: WarmupRequest[];
  shapes: Record<string, ModuleShape>;
  /** The DEFERRED_GLOBALS the target Node defines (Node 20 has no WebSocket, for one). */
  webGlobals: string[];
  /** How long init may stay unchanged with live handles before warm-up starts anyway. */
  settleMs: number;
  /** How long handles may stay open after the checkpoint hooks before the build fails. */
  drainMs: number;
  requestTimeoutMs: number;
}

/** A handle (socket, timer, watcher, child, open file) still open when a checkpoint is due. */
export interface LiveHandle {
  type: string;
  stack: string;
  detail?: string;
}

/** A server created during the build, and where it will listen after restore. */
export interface ServerInfo {
  module: string;
  /** `port 3000`, `port 0`, or a pipe path. */
  listen: string;
  /** The TCP port of the last listen() during the build (0: any), or null for a pipe or none. */
  port: number | null;
  host: string | null;
  /** The app read PORT before listen(): a restore listens on the restored process's PORT. */
  portFromEnv: boolean;
}

/** A module the bundle could not contain, required at run time by a computed name. */
export interface RuntimeRequire {
  request: string;
  /** The source file that asked for it. */
  from: string;
  /** Where Node resolves it from there. */
  resolved: string;
}

/** A file descriptor the app opened during the build. */
export interface OpenFile {
  fd: number;
  path: string;
  flags: string;
  stack: string;
}

export type FailureKind =
  | 'init-threw'
  | 'init-rejection'
  | 'app-exit'
  | 'warmup-5xx'
  | 'warmup-threw'
  | 'warmup-rejection'
  | 'warmup-no-server'
  | 'checkpoint-hooks'
  | 'checkpoint-rejection'
  | 'live-handles'
  | 'open-files'
  | 'hostile-modules'
  | (string & {});

export interface BuildReport {
  ok: boolean;
  /** prelude → init → warmup → checkpoint → drain → serialize. */
  phase: string;
  error?: { kind: FailureKind; code?: string; name?: string; message: string; stack?: string; causes?: Array<{ resource: string; message: string; stack?: string }> };
  blockers: LiveHandle[];
  liveAtInit: LiveHandle[];
  warmup: WarmupResult[];
  envRead: string[];
  envEnumerated: boolean;
  /** Where the app first enumerated the whole environment (a stack), when it did. */
  envEnumeratedAt?: string;
  /** Where the app first read process.pid during init (a logger's "pid" then is the build's). */
  pidReadAt?: string;
  /** Outgoing connections the app began during init (to a database, a cache): none survives a checkpoint. */
  connectedAtInit?: Array<{ to: string; stack: string }>;
  /** Where the app first made a vm context while building (a snapshot cannot hold one). */
  vmContextAt?: string;
  /** The app's own files (outside node_modules) it read during the build: their contents are baked in. */
  filesRead: string[];
  /** NODE_ENV during the build, when the app read it (frameworks bake it in at load). */
  nodeEnv?: string | null;
  /** Randomness drawn while building, with the phase (init draws are shared by every restore). */
  entropy: Array<{ fn: string; stack: string; phase: string }>;
  deferred: Record<string, string[]>;
  servers: { created: number; listening: number; list: ServerInfo[] };
  /** Packages loaded from disk by a computed require(name) during the build. */
  runtimeRequires: RuntimeRequire[];
  /**
   * A CommonJS package thaw's loader ran required an ES module (Node 22+ can; the loader runs
   * CommonJS only): the packages on the way to it, which the host then bundles instead.
   */
  esmRequire?: { file: string; packages: string[] };
  /** Append-mode write streams closed at checkpoint and reopened in every restore. */
  reopened: string[];
  /** Async hooks and AsyncLocalStorage instances switched off at checkpoint and back on after restore. */
  parkedHooks: number;
  /** Built-ins that cannot be in a snapshot but were loaded during the build (undici, http2). */
  hostileModules: string[];
  warnings: string[];
  appMain: boolean;
  resources: number;
  initMs: number;
  warmupMs: number;
}

export function emptyReport(): BuildReport {
  return {
    ok: false,
    phase: 'prelude',
    blockers: [],
    liveAtInit: [],
    warmup: [],
    envRead: [],
    envEnumerated: false,
    filesRead: [],
    entropy: [],
    deferred: {},
    servers: { created: 0, listening: 0, list: [] },
    runtimeRequires: [],
    reopened: [],
    parkedHooks: 0,
    hostileModules: [],
    warnings: [],
    appMain: false,
    resources: 0,
    initMs: 0,
    warmupMs: 0,
  };
}

/**
 * Where warm-up requests come from (the in-memory socket's peer; the address verification
 * replays them from): a loopback address clients do not use, so per-client state is not
 * charged to a real client.
 */
export const WARMUP_PEER = '127.0.0.2';

/** The body bytes the guest sends for a warm-up request (and the host, when it replays one). */
export function warmupBody(r: WarmupRequest): { body?: string; json: boolean } {
  if (r.body === undefined) return { json: false };
  return typeof r.body === 'string' ? { body: r.body, json: false } : { body: JSON.stringify(r.body), json: true };
}

/**
 * The bundle's first lines (the host prepends them): its require() becomes a trampoline into the
 * guest's routing (guest/modules.ts) once the prelude has started; until then it is the
 * builder's require, which loads built-ins only. `require.main` is settable, so the entry file
 * can make `require.main === module` hold as in a cold start.
 */
/** How the bundle requires a package it leaves to thaw's loader: by this prefix and its path. */
export const PACKAGE_PREFIX = 'thaw-package:';

export const REQUIRE_BANNER = `var __thaw_require = { builtin: require, hook: null, resolve: null, paths: null, main: undefined };
require = (function (slot) {
  function require(id) { return slot.hook ? slot.hook(id, require) : slot.builtin(id); }
  require.resolve = function resolve(id, options) { return slot.resolve ? slot.resolve(id, resolve, options) : slot.builtin.resolve(id, options); };
  require.resolve.paths = function paths(id) { return slot.paths ? slot.paths(id, paths) : null; };
  Object.defineProperty(require, 'main', { get: function () { return slot.main; }, set: function (m) { slot.main = m; }, configurable: true });
  require.cache = Object.create(null);
  Object.defineProperty(require, 'extensions', { get: function () { return slot.builtin('module')._extensions; }, configurable: true });
  return require;
})(__thaw_require);`;

/**
 * IMG/bundle.stackmap: the bundle's source map, decoded once at build time into a form a
 * restored process reads in a few milliseconds (no JSON parse of megabytes of VLQ):
 * u32 header length, header JSON `{ "files": [...], "lines": N }`, padding to 4 bytes, then
 * Uint32Array(N + 1) of offsets into the segments per bundle line, then Int32Array of segments
 * (STACKMAP_SEGMENT ints each, below), all 0-based, little-endian.
 */
export const STACKMAP_FILE = 'bundle.stackmap';
/** The image's folder of stack maps of minified package files, `N.stackmap` each (guest/minify.ts). */
export const PACKAGE_MAPS_DIR = 'package-maps';
/** Ints per segment: generated column, file index, original line, original column, and 1 when
 * the bundle's text from this segment to the next is the original's (positions in between
 * then map by their distance from the segment), else 0. */
export const STACKMAP_SEGMENT = 5;

/**
 * Set to 1 by IMG/start when it set GLIBC_TUNABLES itself (glibc's malloc then backs large
 * blocks, such as the buffer Node reads the snapshot into, with transparent huge pages: fewer
 * page faults while restoring). The restored process removes both variables again, so the app
 * and its child processes see the environment they were started with.
 */
export const TUNABLES_MARK = 'THAW_TUNABLES';
export const GLIBC_TUNABLES = 'glibc.malloc.hugetlb=1';
