/** `thaw pages view`: the page visualizer, served or exported. */
import { writeAtomic } from '../../io.js';
import { ThawError } from '../../errors.js';
import { plural } from '../../model/pages-summary.js';
import { buildHtml, serve } from '../../pages/view.js';
import type { CommandSpec } from '../spec.js';

import { mb } from './shared.js';

interface ViewOptions {
  export?: string;
  port?: string;
}

export const viewCmd: CommandSpec<ViewOptions> = {
  name: 'view',
  args: '<files...>',
  summary: 'show page maps and fault traces in the browser page visualizer (served on localhost, or --export one HTML file)',
  help: [
    'FILES: mem_mapping text (thaw pages snapshot, fireCRaCer mem_mapping.sh), uffd handler logs, trace JSON',
    '(thaw pages trace), `jcmd PID VM.native_memory detail` output. Each trace becomes a panel (two play',
    'side by side), paired with its own snapshot or the page map given before it.',
    'Examples:  thaw pages view mem_mapping.txt uffd.log nmt.txt --export restore.html',
    '           thaw pages view out/cold.json out/restore.json',
  ].join('\n'),
  options: [
    { flags: '--export <out.html>', description: 'write one self-contained HTML file instead of serving' },
    { flags: '--port <n>', description: 'port to serve on (0: any free one)', default: '0' },
  ],
  async run(files, opts) {
    const { html, problems, view } = await buildHtml(files);
    for (const p of problems.slice(0, 20)) process.stderr.write(`thaw pages: warning: ${p}\n`);
    if (problems.length > 20) process.stderr.write(`thaw pages: warning: … ${problems.length - 20} more unreadable lines\n`);
    if (opts.export) {
      const out = opts.export;
      writeAtomic(out, html);
      const faults = view.panels.reduce((s, p) => s + (p.faults?.count ?? 0), 0);
      process.stderr.write(`thaw pages: wrote ${out} (${plural(view.panels.length, 'panel')}, ${plural(faults, 'fault')}, ${mb(html.length)})\n`);
      return;
    }
    const port = Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ThawError('E_USAGE', `--port ${opts.port}: expected 0..65535`);
    const s = await serve(html, port);
    process.stdout.write(`thaw pages view: ${s.url}  (Ctrl-C to stop)\n`);
    await new Promise<void>((done) => {
      process.once('SIGINT', () => {
        s.close();
        done();
      });
    });
  },
};

