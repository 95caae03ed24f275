// A TypeScript-compiler service: POST TypeScript, get JavaScript back (typescript's
// transpileModule). Loading and warming the compiler is most of its cold start.
// Cold: PORT=8080 node examples/ts-service/server.js
import { createServer } from 'node:http';
import ts from 'typescript';

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

function transpile(source) {
  const out = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ESNext, sourceMap: false },
    reportDiagnostics: true,
  });
  return { code: out.outputText, diagnostics: (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')) };
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && (req.url === '/' || req.url === '/sample')) {
    const { code } = transpile(sample);
    res.writeHead(200, { 'content-type': 'text/javascript' });
    res.end(code);
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
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
});

server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  console.log(`ts-service (TypeScript ${ts.version}) on http://127.0.0.1:${server.address().port}/`);
});
