// Hand-made raw snapshot of examples/markdown-app: marked + highlight.js loaded and the page
// rendered 20 times (examples/markdown-app/warmup.json) in the builder; the server in main.
const v8 = require('node:v8');
const { Marked } = require('marked');
const hljs = require('highlight.js');
const { readFileSync } = require('node:fs');
const marked = new Marked({
  renderer: {
    code({ text, lang }) {
      const language = lang && hljs.getLanguage(lang) ? lang : 'plaintext';
      return `<pre><code class="hljs language-${language}">${hljs.highlight(text, { language }).value}</code></pre>\n`;
    },
  },
});
// The same document as the example (read from its source at build time).
const src = readFileSync(require('node:path').join(__THAW_EXAMPLES__, 'markdown-app/server.js'), 'utf8');
const doc = eval(src.slice(src.indexOf('const doc = ') + 12, src.indexOf('`;', src.indexOf('const doc = ')) + 1));
const page = (body) => `<!doctype html><meta charset="utf-8"><title>notes</title><body>${body}</body>`;
for (let i = 0; i < 20; i++) page(marked.parse(doc));
function handler(req, res) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/notes')) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(marked.parse(doc)));
    return;
  }
  res.writeHead(404);
  res.end();
}
v8.startupSnapshot.setDeserializeMainFunction(() => {
  const { createServer } = require('node:http');
  createServer(handler).listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
});
