const http = require('node:http');
const pino = require('pino');

const logger = pino(pino.destination('./app.log'));

const items = { 1: { id: 1, name: 'apple' }, 2: { id: 2, name: 'pear' } };

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const m = url.pathname.match(/^\/items\/(\d+)$/);
  if (url.pathname === '/') {
    logger.info({ path: url.pathname }, 'home requested');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ service: 'pino-app', ok: true }));
  } else if (m) {
    const item = items[m[1]];
    if (!item) {
      logger.error({ id: m[1] }, 'item not found');
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: 'not found' }));
    }
    logger.info({ id: m[1] }, 'item requested');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(item));
  } else {
    logger.warn({ path: url.pathname }, 'unknown path');
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('Not found\n');
  }
});

const port = process.env.PORT || 3000;
server.listen(port, () => {
  logger.info(`listening on ${port}`);
});
