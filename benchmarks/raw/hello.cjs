// Hand-made raw snapshot of examples/hello, the way one writes it without thaw: node:http
// cannot be loaded in the builder, so the server is made in the deserialize main.
const v8 = require('node:v8');
function handler(req, res) {
  if (req.url === '/hello' || req.url === '/') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('Hello World\n');
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
}
v8.startupSnapshot.setDeserializeMainFunction(() => {
  const { createServer } = require('node:http');
  createServer(handler).listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
});
