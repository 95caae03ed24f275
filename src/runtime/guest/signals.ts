/**
 * Process listeners that must not take effect while building, kept aside and added for real by
 * every restored process, in the order the app added them:
 * - signal listeners (`process.on('SIGTERM', …)`, the usual graceful shutdown) make Node open a
 *   signal handle, which a snapshot cannot hold (the builder aborts);
 * - 'beforeExit' listeners: the builder emits 'beforeExit' when the build's loop drains, which a
 *   process with a listening server never sees, and an app that closes its server there
 *   (Elysia's Node adapter does) would be checkpointed with its server closed.
 */
import { pair } from './session.js';

interface Deferred {
  event: string;
  fn: Function;
  once: boolean;
  prepend: boolean;
}

const deferred: Deferred[] = [];
let methods: Array<[string, PropertyDescriptor | undefined]> = [];

function heldBack(event: unknown): event is string {
  if (event === 'beforeExit') return true;
  return typeof event === 'string' && /^SIG[A-Z0-9]+$/.test(event) && event in ((process as any).getBuiltinModule('node:os').constants.signals as object);
}

export function deferSignals(): void {
  const p = process as unknown as Record<string, Function>;
  /** Replace process[name]; `handle` returns true when it took care of a held-back event. */
  const intercept = (name: string, handle: (event: string, fn: Function) => boolean): void => {
    const orig = p[name]!;
    methods.push([name, Object.getOwnPropertyDescriptor(process, name)]);
    Object.defineProperty(process, name, {
      configurable: true,
      writable: true,
      value: function (this: unknown, event: unknown, fn: Function) {
        return heldBack(event) && handle(event, fn) ? process : orig.call(this, event, fn);
      },
    });
  };
  const adders: Array<[string, boolean, boolean]> = [
    ['on', false, false],
    ['addListener', false, false],
    ['once', true, false],
    ['prependListener', false, true],
    ['prependOnceListener', true, true],
  ];
  for (const [name, once, prepend] of adders) {
    intercept(name, (event, fn) => {
      deferred.push({ event, fn, once, prepend });
      return true;
    });
  }
  for (const name of ['removeListener', 'off']) {
    intercept(name, (event, fn) => {
      const i = deferred.findIndex((d) => d.event === event && d.fn === fn);
      if (i >= 0) deferred.splice(i, 1);
      return i >= 0;
    });
  }
  pair('signal and beforeExit listeners', undefined, restoreSignals);
}

/** The real process methods, and the app's held-back listeners for real. */
function restoreSignals(): void {
  for (const [name, desc] of methods) {
    if (desc) Object.defineProperty(process, name, desc);
    else delete (process as unknown as Record<string, unknown>)[name];
  }
  methods = [];
  for (const d of deferred.splice(0)) {
    const method = d.prepend ? (d.once ? 'prependOnceListener' : 'prependListener') : d.once ? 'once' : 'on';
    (process as unknown as Record<string, Function>)[method]!.call(process, d.event, d.fn);
  }
}
