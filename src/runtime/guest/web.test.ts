import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as web from './web.js';

// Outside a build the view behaves as it does while building (nothing restored yet).
test('the build-time view of the global object answers the fetch names with stand-ins and keeps what the app defines aside', () => {
  const g = web.appGlobal as unknown as Record<string, unknown>;
  const real = globalThis as unknown as Record<string, unknown>;
  assert.equal(g.Request, web.Request, 'globalThis.Request is the stand-in the free name is bound to');
  assert.notEqual(g.Request, real.Request);
  assert.equal(g.setTimeout, setTimeout, 'other names are the real global object\'s');
  assert.equal(g.process, process);
  assert.ok('Response' in g);
  assert.ok(Object.keys(g).includes('setTimeout') === Object.keys(globalThis).includes('setTimeout'));
  // @hono/node-server defines its own Response on global: the free name follows, the real
  // global object is untouched until restore.
  class AppResponse {}
  const before = real.Response;
  Object.defineProperty(g, 'Response', { value: AppResponse });
  assert.equal(g.Response, AppResponse);
  assert.equal(web.Response, AppResponse, 'a free `Response` now reads the app\'s, as in Node');
  assert.equal(real.Response, before);
  assert.deepEqual(Object.getOwnPropertyDescriptor(g, 'Response')?.value, AppResponse);
  g.Headers = 'assigned';
  assert.equal(web.Headers, 'assigned');
  // A non-configurable property of the real global object keeps the Proxy invariants.
  assert.equal(Object.getOwnPropertyDescriptor(g, 'undefined')?.configurable, false);
  assert.equal(g.undefined, undefined);
  g.thawTestValue = 1;
  assert.equal(real.thawTestValue, 1, 'assignments to other names reach the real global object');
  delete real.thawTestValue;
});
