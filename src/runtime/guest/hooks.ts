/**
 * The app's async hooks across the checkpoint. V8 cannot serialise a context whose promise
 * hooks are set, and Node 20 and 22 set them for every enabled async_hooks hook, including the
 * one AsyncLocalStorage installs on first use (the builder aborts with
 * `js_promise_hooks_[0].IsEmpty()`; Node 24+ runs AsyncLocalStorage on AsyncContextFrame and
 * needs no hook). So, at the checkpoint, every hook the app enabled is disabled and enabled again
 * in each restored process, and every AsyncLocalStorage is disabled: its next run() or
 * enterWith() enables it again, as Node documents for disable().
 */
import { pair, session } from './session.js';

interface Hook {
  enable(): Hook;
  disable(): Hook;
}

const enabled = new Set<Hook>();
const stores = new Set<{ enabled?: boolean; disable(): void }>();

export function parkHooks(): void {
  const asyncHooks = (process as any).getBuiltinModule('node:async_hooks');
  const createHook = asyncHooks.createHook as (callbacks: object) => Hook;
  asyncHooks.createHook = function createHookTracked(callbacks: object): Hook {
    const hook = createHook(callbacks);
    const enable = hook.enable;
    const disable = hook.disable;
    hook.enable = function () {
      enabled.add(hook);
      return enable.call(this);
    };
    hook.disable = function () {
      enabled.delete(hook);
      return disable.call(this);
    };
    return hook;
  };
  // Node 20/22 only: AsyncLocalStorage enables its shared hook through _enable().
  const proto = asyncHooks.AsyncLocalStorage?.prototype as { _enable?: Function } | undefined;
  const enableStore = proto?._enable;
  if (proto && typeof enableStore === 'function') {
    proto._enable = function (this: { enabled?: boolean; disable(): void }) {
      stores.add(this);
      return enableStore.call(this);
    };
  }
  let parked: Hook[] = [];
  session().collectors.push((r) => {
    r.parkedHooks = enabled.size + [...stores].filter((s) => s.enabled).length;
  });
  pair(
    'async hooks',
    () => {
      parked = [...enabled];
      for (const h of parked) h.disable();
      for (const s of stores) if (s.enabled) s.disable();
      stores.clear();
      asyncHooks.createHook = createHook;
      if (proto && enableStore) proto._enable = enableStore;
    },
    () => {
      for (const h of parked) h.enable();
      parked = [];
    },
  );
}
