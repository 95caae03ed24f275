// Subscribes over WebSocket (graphql-ws's client), posts a message over HTTP and checks the
// subscription delivers it. Usage: node client.mjs http://127.0.0.1:PORT
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const base = process.argv[2] ?? 'http://localhost:4000';
const client = createClient({ url: `${base.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
const fail = (why) => {
  console.error(why);
  process.exit(1);
};
setTimeout(() => fail('timed out'), 10_000).unref();

const greetings = [];
for await (const result of client.iterate({ query: 'subscription { greetings }' })) greetings.push(result.data.greetings);
if (greetings.join(',') !== 'Hi,Bonjour,Hola,Ciao,Zdravo') fail(`greetings: ${greetings}`);

const sub = client.iterate({ query: 'subscription { messageAdded { id text author } }' });
const next = sub.next();
// The subscription is registered once the server acknowledged it; give it a moment.
await new Promise((r) => setTimeout(r, 200));
const res = await fetch(`${base}/graphql`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query: 'mutation { postMessage(text: "over the wire", author: "client") { id } }' }),
});
if (res.status !== 200) fail(`mutation: ${res.status} ${await res.text()}`);
const { value } = await next;
if (value?.data?.messageAdded?.text !== 'over the wire') fail(`messageAdded: ${JSON.stringify(value)}`);
await sub.return();
await client.dispose();
console.log('ok: greetings and messageAdded over graphql-ws');
