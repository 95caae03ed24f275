/**
 * process.nextTick's tick objects across the checkpoint. Every tick is a small object literal
 * `{ [async_id_symbol], [trigger_async_id_symbol], …, callback, args }`. While a server warms up,
 * V8 widens the representation of its fields (async ids stored first as small integers, then as
 * doubles; `args` undefined or an array), which leaves the older object maps deprecated. When no
 * tick object is alive at the checkpoint, the snapshot keeps only the deprecated branch of the
 * map tree: in a restored process every new tick is then built on a deprecated map and migrated
 * (V8's MigrateToMap) on every call, and nextTick runs about half as fast as in a cold process,
 * which servers feel as fewer requests per second under load.
 *
 * So, just before the checkpoint, thaw keeps one live tick object of each kind (with and
 * without arguments) for the life of the process: their maps, the current ones, go into the
 * snapshot, and a restored nextTick finds them as a cold one does.
 */

const kept: object[] = [];

/**
 * Schedule one tick without and one with arguments; each holds its own tick object when it runs,
 * before the event loop's next turn. (An app that replaced process.nextTick with something
 * that never runs the callback just leaves nothing held: the build does not wait on it.)
 */
export function keepTickShapes(): void {
  const asyncHooks = (process as any).getBuiltinModule('node:async_hooks') as { executionAsyncResource(): object };
  kept.length = 0;
  process.nextTick(() => {
    kept.push(asyncHooks.executionAsyncResource());
  });
  process.nextTick((_unused: unknown) => {
    kept.push(asyncHooks.executionAsyncResource());
  }, 0);
}

/** The tick objects held (one per kind once the ticks keepTickShapes() scheduled have run). */
export function keptTicks(): readonly object[] {
  return kept;
}
