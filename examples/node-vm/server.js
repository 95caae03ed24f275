// The Node example for thaw's microVM engine: GET /hello answers "Hello World", GET /uuid a
// fresh crypto.randomUUID() (every restore of one VM image must answer with its own).
// Listens on $HOST:$PORT: inside a thaw guest HOST is 0.0.0.0, so the forwarded port reaches it.
//   cold:  PORT=8080 node examples/node-vm/server.js
//   VM:    thaw build --engine vm -o .thaw/node-vm -- node examples/node-vm/server.js
//          PORT=8080 .thaw/node-vm/start
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';

const server = createServer((req, res) => {
  if (req.url === '/hello' || req.url === '/') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('Hello World\n');
  } else if (req.url === '/uuid') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${randomUUID()}\n`);
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  }
});

server.listen(port, host, () => {
  console.log(`node-vm listening on http://${host}:${server.address().port}/hello`);
});
