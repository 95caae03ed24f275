/** `thaw pages summary`: the attribution table of maps and traces. */
import { formatSummary, summarize } from '../../model/pages-summary.js';
import { loadInputs, panelsFrom } from '../../pages/view.js';
import type { CommandSpec } from '../spec.js';


interface SummaryOptions {
  json?: boolean;
}

export const summaryCmd: CommandSpec<SummaryOptions> = {
  name: 'summary',
  args: '<files...>',
  summary: 'the attribution table: per process and category, virtual / RSS / touched / shared / page cache',
  help: [
    'FILES as for `thaw pages view`. With NMT output (`jcmd PID VM.native_memory detail`) the JVM\'s anonymous',
    'memory splits into java heap, metaspace, code cache, class data archive, stacks…',
    'Example:  thaw pages summary mem_mapping.txt uffd.log nmt.txt',
  ].join('\n'),
  options: [{ flags: '--json', description: 'print JSON ({ panels: [{ title, rows, totals }] }) instead of a table' }],
  async run(files, opts) {
    const { inputs, problems } = loadInputs(files);
    for (const p of problems.slice(0, 20)) process.stderr.write(`thaw pages: warning: ${p}\n`);
    const panels = panelsFrom(inputs, problems).map((p) => ({ title: p.title, ...summarize(p.map, p.trace, p.nmt) }));
    if (opts.json) process.stdout.write(JSON.stringify({ panels }, null, 2) + '\n');
    else process.stdout.write(panels.map((p) => (panels.length > 1 ? `${p.title}\n` : '') + formatSummary(p)).join('\n\n') + '\n');
  },
};

