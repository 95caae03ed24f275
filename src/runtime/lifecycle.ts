/**
 * The lifecycle state every copy of the runtime shares. It lives on a global symbol so that
 * the builder prelude, the app's `import 'thaw'`, and a second copy of thaw inside the app's
 * own node_modules all see one list of resources and one phase.
 *
 * Notification order follows OpenJDK CRaC (jdk.internal.crac.OrderedContext): checkpoint
 * notifies in reverse registration order, restore in registration order; every resource is
 * notified even when an earlier one throws, and the failures are gathered.
 */

export interface Context {
  register(resource: Resource): void;
}

/** A participant in checkpoint/restore, as org.crac.Resource. */
export interface Resource {
  beforeCheckpoint?(context: Context): void | Promise<void>;
  afterRestore?(context: Context): void | Promise<void>;
}

/**
 * Milliseconds from an arbitrary origin. Not `performance.now()`: on Node 22+ the
 * `performance` global loads perf_hooks (and with it net and friends) into the snapshot.
 */
export function nowMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}

export type Phase = 'cold' | 'building' | 'checkpointing' | 'restoring' | 'restored';

export interface RuntimeState {
  phase: Phase;
  resources: Array<{ resource: Resource; stack: string }>;
}

const KEY = Symbol.for('thaw.runtime.state');

export function state(): RuntimeState {
  const g = globalThis as unknown as Record<symbol, RuntimeState | undefined>;
  let s = g[KEY];
  if (!s) {
    s = { phase: 'cold', resources: [] };
    Object.defineProperty(globalThis, KEY, { value: s, enumerable: false });
  }
  return s;
}

/** Base of CheckpointError and RestoreError: one error carrying each resource's failure. */
export class LifecycleError extends Error {
  readonly causes: Array<{ resource: string; error: unknown }>;
  constructor(kind: 'checkpoint' | 'restore', causes: Array<{ resource: string; error: unknown }>) {
    const lines = causes.map((c) => `  ${c.resource}: ${c.error instanceof Error ? c.error.message : String(c.error)}`);
    super(`${causes.length} resource(s) failed during ${kind}:\n${lines.join('\n')}`);
    this.causes = causes;
  }
}

export class CheckpointError extends LifecycleError {
  constructor(causes: Array<{ resource: string; error: unknown }>) {
    super('checkpoint', causes);
    this.name = 'CheckpointError';
  }
}

export class RestoreError extends LifecycleError {
  constructor(causes: Array<{ resource: string; error: unknown }>) {
    super('restore', causes);
    this.name = 'RestoreError';
  }
}

/** A readable name for a resource in error messages: its class, or where it was registered. */
export function describeResource(entry: { resource: Resource; stack: string }): string {
  const ctor = (entry.resource as object).constructor;
  const named = ctor && ctor !== Object && ctor.name ? ctor.name : '';
  const site = entry.stack
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('at ') && !l.includes('/src/runtime/') && !l.includes('node:internal'));
  return [named || 'resource', site ? `(registered ${site})` : ''].filter(Boolean).join(' ');
}

async function notify(kind: 'checkpoint' | 'restore', context: Context): Promise<void> {
  const s = state();
  const entries = kind === 'checkpoint' ? [...s.resources].reverse() : [...s.resources];
  const causes: Array<{ resource: string; error: unknown }> = [];
  for (const entry of entries) {
    const fn = kind === 'checkpoint' ? entry.resource.beforeCheckpoint : entry.resource.afterRestore;
    if (!fn) continue;
    try {
      await fn.call(entry.resource, context);
    } catch (error) {
      causes.push({ resource: describeResource(entry), error });
    }
  }
  if (causes.length) throw kind === 'checkpoint' ? new CheckpointError(causes) : new RestoreError(causes);
}

export const globalContext: Context = {
  register(resource: Resource): void {
    if (!resource || (typeof resource.beforeCheckpoint !== 'function' && typeof resource.afterRestore !== 'function')) {
      throw new TypeError('thaw: register() needs an object with beforeCheckpoint() and/or afterRestore()');
    }
    state().resources.push({ resource, stack: new Error().stack ?? '' });
  },
};

/** Run every beforeCheckpoint, newest registration first. Throws CheckpointError. */
export function notifyCheckpoint(): Promise<void> {
  return notify('checkpoint', globalContext);
}

/** Run every afterRestore, oldest registration first. Throws RestoreError. */
export function notifyRestore(): Promise<void> {
  return notify('restore', globalContext);
}
