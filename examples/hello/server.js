// The classic CRaC demo, unmodified Node: GET /hello answers "Hello World".
// Cold: PORT=8080 node examples/hello/server.js
// Restored: thaw build examples/hello/server.js -o .thaw/hello && PORT=8080 .thaw/hello/start
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8080);

const server = createServer((req, res) => {
  if (req.url === '/hello' || req.url === '/') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('Hello World\n');
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
});

server.listen(port, '127.0.0.1', () => {
  console.log(`hello listening on http://127.0.0.1:${server.address().port}/hello`);
});
