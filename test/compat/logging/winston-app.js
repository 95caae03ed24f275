const http = require('node:http');
const winston = require('winston');

const logger = winston.createLogger({
  level: 'info',
  format: winston.format.json(),
  defaultMeta: { service: 'user-service' },
  transports: [
    //
    // - Write all logs with importance level of `error` or higher to `error.log`
    //   (i.e., error, fatal, but not other levels)
    //
    new winston.transports.File({ filename: 'error.log', level: 'error' }),
    //
    // - Write all logs with importance level of `info` or higher to `combined.log`
    //   (i.e., fatal, error, warn, and info, but not trace)
    //
    new winston.transports.File({ filename: 'combined.log' }),
  ],
});

//
// If we're not in production then log to the `console` with the format:
//  `${info.level}: ${info.message} JSON.stringify({ ...rest }) `
//
if (process.env.NODE_ENV !== 'production') {
  logger.add(new winston.transports.Console({
    format: winston.format.simple(),
  }));
}

const items = { 1: { id: 1, name: 'apple' }, 2: { id: 2, name: 'pear' } };

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const m = url.pathname.match(/^\/items\/(\d+)$/);
  if (url.pathname === '/') {
    logger.info('home requested', { path: url.pathname });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ service: 'winston-app', ok: true }));
  } else if (m) {
    const item = items[m[1]];
    if (!item) {
      logger.error('item not found', { id: m[1] });
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: 'not found' }));
    }
    logger.info('item requested', { id: m[1] });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(item));
  } else {
    logger.warn('unknown path', { path: url.pathname });
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('Not found\n');
  }
});

const port = process.env.PORT || 3000;
server.listen(port, () => {
  logger.info(`listening on ${port}`);
});
