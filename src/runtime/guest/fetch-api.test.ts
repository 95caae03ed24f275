import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BuildHeaders, BuildRequest, BuildResponse } from './fetch-api.js';

// Node's own classes (undici) are the reference: thaw's build-time ones must answer alike.
test('Headers answer as Node\'s own: case-insensitive, combined, set-cookie kept apart, sorted', () => {
  const init: Array<[string, string]> = [['X-B', '1'], ['x-a', ' 2 '], ['Set-Cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-b', '3']];
  const ours = new BuildHeaders(init);
  const node = new Headers(init);
  const all = (h: unknown) => [...(h as Iterable<[string, string]>)];
  assert.deepEqual(all(ours), all(node));
  assert.equal(ours.get('X-A'), node.get('X-A'));
  assert.deepEqual(ours.getSetCookie(), node.getSetCookie());
  ours.set('x-a', 'z');
  node.set('x-a', 'z');
  ours.delete('X-B');
  node.delete('X-B');
  assert.deepEqual(all(ours.entries()), all((node as unknown as { entries(): unknown }).entries()));
  assert.deepEqual(new BuildHeaders({ A: 'x' }).get('a'), new Headers({ A: 'x' }).get('a'));
  assert.throws(() => new BuildHeaders([['bad name', 'x']]), TypeError);
});

test('Request and Response bodies, statuses and factories answer as Node\'s own', async () => {
  for (const body of ['text', new URLSearchParams({ a: '1' }), new Uint8Array([104, 105]), new Blob(['blob'], { type: 'text/x' })]) {
    const ours = new BuildResponse(body as never, { status: 201, headers: { 'x-y': 'z' } });
    const node = new Response(body as never, { status: 201, headers: { 'x-y': 'z' } });
    assert.equal(ours.headers.get('content-type'), node.headers.get('content-type'), `content type of ${String(body)}`);
    assert.equal(await ours.text(), await node.text());
    assert.equal(ours.bodyUsed, true);
    await assert.rejects(ours.text(), TypeError);
    assert.equal(ours.ok, node.ok);
  }
  const json = BuildResponse.json({ a: 1 }, { status: 202 });
  const nodeJson = Response.json({ a: 1 }, { status: 202 });
  assert.equal(json.status, nodeJson.status);
  assert.equal(json.headers.get('content-type'), nodeJson.headers.get('content-type'));
  assert.deepEqual(await json.json(), await nodeJson.json());
  assert.equal(BuildResponse.redirect('http://x/a', 301).headers.get('location'), Response.redirect('http://x/a', 301).headers.get('location'));
  assert.throws(() => new BuildResponse(null, { status: 99 }), RangeError);
  assert.throws(() => new BuildResponse('x', { status: 204 }), TypeError);
  const streamed = new BuildResponse(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('a')); c.enqueue(new TextEncoder().encode('b')); c.close(); } }));
  const clone = streamed.clone();
  assert.equal(await streamed.text(), 'ab');
  assert.equal(await clone.text(), 'ab', 'a clone reads the same body');

  const req = new BuildRequest('http://localhost/p?q=1', { method: 'post', body: '{"x":1}', headers: { 'content-type': 'application/json' } });
  const nodeReq = new Request('http://localhost/p?q=1', { method: 'post', body: '{"x":1}', headers: { 'content-type': 'application/json' } });
  assert.equal(req.method, nodeReq.method);
  assert.equal(req.url, nodeReq.url);
  assert.deepEqual(await req.clone().json(), await nodeReq.clone().json());
  assert.equal(await new BuildRequest(req).text(), '{"x":1}', 'a request made from a request carries its body');
  assert.throws(() => new BuildRequest('/relative'), TypeError);
  assert.throws(() => new BuildRequest('http://x/', { method: 'GET', body: 'no' }), TypeError);
  assert.equal(new BuildRequest('http://x/', { method: 'patch' }).method, new Request('http://x/', { method: 'patch' }).method);
  const body = new BuildResponse('abc').body!;
  const chunks: Uint8Array[] = [];
  for await (const c of body as unknown as AsyncIterable<Uint8Array>) chunks.push(c);
  assert.equal(Buffer.concat(chunks).toString(), 'abc');
});
