// Hand-made raw snapshot of examples/ts-service: the compiler is loaded and warmed (the same
// transpiles as examples/ts-service/warmup.json) in the builder; the server starts in main.
const v8 = require('node:v8');
const ts = require('typescript');
const sample = `
interface Point { x: number; y: number }
enum Dir { Up = 1, Down, Left, Right }
export class Path<T extends Point = Point> {
  private readonly pts: T[] = [];
  constructor(public name: string) {}
  add(p: T): this { this.pts.push(p); return this; }
  get length(): number {
    let n = 0;
    for (let i = 1; i < this.pts.length; i++) n += Math.hypot(this.pts[i].x - this.pts[i - 1].x, this.pts[i].y - this.pts[i - 1].y);
    return n;
  }
  async *walk(dir: Dir = Dir.Up): AsyncGenerator<T> { for (const p of this.pts) yield p; }
}
export const route = new Path<Point>('home').add({ x: 0, y: 0 }).add({ x: 3, y: 4 });
`;
const second = 'type Id = string | number;\nexport function pick<T, K extends keyof T>(o: T, ...keys: K[]): Pick<T, K> {\n  const out = {} as Pick<T, K>;\n  for (const k of keys) out[k] = o[k];\n  return out;\n}\n';
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
