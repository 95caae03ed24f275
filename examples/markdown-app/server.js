// An unmodified node:http app that renders Markdown with syntax-highlighted code blocks
// (marked + highlight.js, all languages registered): regex-heavy start-up.
// Cold: PORT=8080 node examples/markdown-app/server.js
import { createServer } from 'node:http';
import { Marked } from 'marked';
import hljs from 'highlight.js';

const marked = new Marked({
  renderer: {
    code({ text, lang }) {
      const language = lang && hljs.getLanguage(lang) ? lang : 'plaintext';
      return `<pre><code class="hljs language-${language}">${hljs.highlight(text, { language }).value}</code></pre>\n`;
    },
  },
});

const doc = `# Release notes

Restoring from a **checkpoint** skips _init_: see [the docs](https://example.org/docs).

| step | cold | restored |
| ---- | ---- | -------- |
| load | yes  | no       |

\`\`\`js
import { createServer } from 'node:http';
const server = createServer((req, res) => res.end('hi'));
server.listen(process.env.PORT ?? 8080);
\`\`\`

\`\`\`python
def fib(n: int) -> int:
    return n if n < 2 else fib(n - 1) + fib(n - 2)
\`\`\`

\`\`\`rust
fn main() { let v: Vec<u32> = (1..10).map(|x| x * x).collect(); println!("{:?}", v); }
\`\`\`

\`\`\`java
public class Hello { public static void main(String[] a) { System.out.println("Hello World"); } }
\`\`\`
`;

const page = (body) => `<!doctype html><meta charset="utf-8"><title>notes</title><body>${body}</body>`;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/notes')) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(marked.parse(doc)));
    return;
  }
  if (req.method === 'POST' && url.pathname === '/render') {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page(marked.parse(body)));
    });
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
});

server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  console.log(`markdown-app on http://127.0.0.1:${server.address().port}/notes`);
});
