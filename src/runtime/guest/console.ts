/**
 * console.createTask (V8's async stack tagging; React's development build makes a task for
 * every element) is a native function the snapshot serialiser has no reference for: holding it,
 * or any task it made, aborts the build ("Unknown external reference"), and so does having
 * called it at all. While building, console.createTask makes plain tasks that run their
 * callback; at the checkpoint it is deleted, and Node installs V8's own again in a restored
 * process (as it does for every snapshot). Tasks and references the app kept from the build
 * stay plain ones: they run their callbacks the same, without the tagging only a debugger shows.
 */
import { pair } from './session.js';

interface Task {
  run<T>(f: () => T): T;
}

export function plainConsoleTasks(): void {
  const desc = Object.getOwnPropertyDescriptor(console, 'createTask');
  if (!desc) return;
  // Only the descriptor's flags are kept: a reference to V8's function is itself fatal.
  Object.defineProperty(console, 'createTask', {
    configurable: desc.configurable,
    enumerable: desc.enumerable,
    writable: desc.writable ?? true,
    value: function createTask(name: string): Task {
      if (typeof name !== 'string' || name === '') throw new TypeError('First argument must be a non-empty string.');
      return { run: (f) => f() };
    },
  });
  pair(
    'console.createTask',
    () => {
      delete (console as { createTask?: unknown }).createTask;
    },
    undefined,
  );
}
