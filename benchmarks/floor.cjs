// The floor: the least a Node server does before its first answer. A bare node:http server on
// $PORT that answers every request 200 at once, nothing loaded but what Node loads for http.
require('node:http')
  .createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  })
  .listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
