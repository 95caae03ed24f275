// Hand-made raw snapshot of examples/ts-service: the compiler is loaded and warmed (the same
// transpiles as examples/ts-service/warmup.json) in the builder; the server starts in main.
const v8 = require('node:v8');
const ts = require('typescript');
// The same sample as the example (read from its source at build time, not copied).
const { readFileSync } = require('node:fs');
const src = readFileSync(require('node:path').join(__THAW_EXAMPLES__, 'ts-service/server.js'), 'utf8');
const sample = eval(src.slice(src.indexOf('const sample = ') + 15, src.indexOf('`;', src.indexOf('const sample = ')) + 1));
const second = JSON.parse(readFileSync(require('node:path').join(__THAW_EXAMPLES__, 'ts-service/warmup.json'), 'utf8'))[1].body;
function transpile(source) {
  const out = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ESNext, sourceMap: false }, reportDiagnostics: true });
  return { code: out.outputText, diagnostics: (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')) };
}
for (let i = 0; i < 10; i++) { transpile(sample); transpile(second); }
function handler(req, res) {
  if (req.method === 'GET' && (req.url === '/' || req.url === '/sample')) {
    res.writeHead(200, { 'content-type': 'text/javascript' });
    res.end(transpile(sample).code);
    return;
  }
  if (req.method === 'POST' && req.url === '/transpile') {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const result = transpile(body);
      res.writeHead(result.diagnostics.length ? 422 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result));
    });
    return;
  }
  res.writeHead(404);
  res.end();
}
v8.startupSnapshot.setDeserializeMainFunction(() => {
  const { createServer } = require('node:http');
  createServer(handler).listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
});
