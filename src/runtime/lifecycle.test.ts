import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckpointError, notifyCheckpoint, notifyRestore, RestoreError, globalContext, state } from './lifecycle.js';

test('checkpoint notifies newest first, restore oldest first; every resource is notified and failures gathered', async () => {
  state().resources.length = 0;
  const calls: string[] = [];
  class Db {
    beforeCheckpoint(): void {
      calls.push('checkpoint:Db');
      throw new Error('2 connections in use');
    }
    afterRestore(): void {
      calls.push('restore:Db');
    }
  }
  globalContext.register({ beforeCheckpoint: () => void calls.push('checkpoint:A'), afterRestore: () => void calls.push('restore:A') });
  globalContext.register(new Db());
  globalContext.register({
    async beforeCheckpoint() {
      await new Promise((r) => setTimeout(r, 5));
      calls.push('checkpoint:C');
    },
    afterRestore() {
      calls.push('restore:C');
      throw new TypeError('cache dir is read-only');
    },
  });
  await assert.rejects(notifyCheckpoint(), (e: unknown) => {
    assert.ok(e instanceof CheckpointError);
    assert.equal(e.causes.length, 1);
    assert.match(e.causes[0]!.resource, /^Db \(registered at /);
    assert.match(e.message, /1 resource\(s\) failed during checkpoint:\n {2}Db .*: 2 connections in use/);
    return true;
  });
  assert.deepEqual(calls, ['checkpoint:C', 'checkpoint:Db', 'checkpoint:A'], 'async hooks are awaited, the one after a failure still runs');
  calls.length = 0;
  await assert.rejects(notifyRestore(), (e: unknown) => e instanceof RestoreError && e.causes.length === 1 && /cache dir is read-only/.test(e.message));
  assert.deepEqual(calls, ['restore:A', 'restore:Db', 'restore:C']);
  state().resources.length = 0;
});

test('register() refuses something that is not a resource', () => {
  assert.throws(() => globalContext.register({} as never), /needs an object with beforeCheckpoint\(\) and\/or afterRestore\(\)/);
});
