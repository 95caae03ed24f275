/**
 * What apps import from `thaw`. Modelled on OpenJDK CRaC's org.crac API: a Resource gets
 * beforeCheckpoint() while the snapshot is being built and afterRestore() in every process
 * restored from it. Outside a build the API is inert, so the same app runs cold with `node`.
 *
 *   import { register, onRestore } from 'thaw';
 *   register({ beforeCheckpoint() { pool.close(); }, afterRestore() { pool.open(); } });
 */
import { globalContext, state, type Context, type Resource } from './lifecycle.js';

export { CheckpointError, RestoreError, LifecycleError } from './lifecycle.js';
export type { Context, Resource } from './lifecycle.js';

/** The global context, as org.crac.Core.getGlobalContext(). */
export function getGlobalContext(): Context {
  return globalContext;
}

/** Register a resource with the global context. */
export function register(resource: Resource): void {
  globalContext.register(resource);
}

/** Run fn in every restored process, after entropy is reseeded and before servers listen. */
export function onRestore(fn: () => void | Promise<void>): void {
  globalContext.register({ afterRestore: fn });
}

/** Run fn once, just before the checkpoint is taken (close sockets, stop timers). */
export function onCheckpoint(fn: () => void | Promise<void>): void {
  globalContext.register({ beforeCheckpoint: fn });
}

/** True in a process restored from a thaw image. */
export function isRestored(): boolean {
  const p = state().phase;
  return p === 'restoring' || p === 'restored';
}

/** True while thaw builds the snapshot (app init, warm-up and checkpoint hooks). */
export function isBuilding(): boolean {
  const p = state().phase;
  return p === 'building' || p === 'checkpointing';
}
