import { extname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { serializeFolded } from '../profile/export/folded.js';
import { serializePprof } from '../profile/export/pprof.js';
import { serializeSpeedscope } from '../profile/export/speedscope.js';
import { ThawError } from '../errors.js';
import { loadProfile, mergeProfiles } from '../import/load.js';
import { writeAtomic } from '../io.js';
import { diffProfiles, type DiffMode } from '../model/profile-diff.js';
import { flameChart, reverseProfile, type Profile, type WeightUnit } from '../model/profile.js';
import { chartData, diffFlameData, flameData, parseMinWidth, renderFlameHtml, renderFlameSvg, type FlameOptions, type MinWidth } from '../render/flame.js';
import { PALETTES, type Palette } from '../render/palette.js';
import type { CommandSpec } from './spec.js';

interface FlameCliOptions {
  out?: string;
  diff?: string;
  diffMode?: DiffMode;
  title?: string;
  subtitle?: string;
  unit?: WeightUnit;
  chart?: boolean;
  flamechart?: boolean;
  reverse?: boolean;
  inverted?: boolean;
  minwidth?: MinWidth;
  colors?: Palette;
  hash?: boolean;
}

const GRAPH = ['.html', '.svg'];
const CONVERT = ['.folded', '.speedscope.json', '.pb', '.pb.gz'];

export const flameCommand: CommandSpec<FlameCliOptions> = {
  name: 'flame',
  args: '<inputs...>',
  summary: 'draw a flame graph or chart (self-contained HTML, or SVG) from perf script, folded, collapsed or .cpuprofile input',
  help: [
    'Several inputs are added up into one graph. With --diff BASE the graph shows how the inputs',
    'differ from BASE: both sides normalised to their totals (or raw, --diff-mode counts), frames',
    "coloured by the change of their total (or self), widths from either side. flamegraph.pl's",
    'two-column input (`stack before after`, what difffolded.pl writes) is drawn as a diff too.',
    '--chart draws a flame chart: samples in time order (a .cpuprofile, or perf script with times).',
    'Colours follow the frame name, so one function has one colour in every graph.',
    'Examples:',
    '  thaw flame out.folded -o flame.html',
    '  thaw flame after.folded --diff before.folded -o diff.html',
    '  thaw flame CPU.cpuprofile --chart -o chart.html',
    '  thaw flame java.collapsed --colors java --minwidth 0.5 -o flame.svg',
  ].join('\n'),
  options: [
    { flags: '-o, --out <file>', description: 'output file: .html (interactive) or .svg; .folded, .speedscope.json, .pb, .pb.gz convert' },
    { flags: '--diff <base>', description: 'draw a diff flame graph against this base profile' },
    {
      flags: '--diff-mode <mode>',
      description: "shares (each side's share of its own total, the default) or counts (raw weights, as flamegraph.pl)",
      parse: (v: string) => {
        if (v !== 'shares' && v !== 'counts') throw new ThawError('E_USAGE', `--diff-mode ${v}: expected shares or counts`, { hint: '--diff-mode counts compares raw sample counts' });
        return v;
      },
    },
    { flags: '--title <text>', description: 'title shown in the graph' },
    { flags: '--subtitle <text>', description: 'second line under the title (default: samples and total)' },
    { flags: '--chart', description: 'flame chart: x is time, samples in order, not merged (inputs with times)' },
    { flags: '--flamechart', description: "the same as --chart (flamegraph.pl's spelling)" },
    { flags: '--reverse', description: 'turn stacks around (leaf first), merging from the leaves' },
    { flags: '--inverted', description: 'icicle: root at the top, stacks growing down' },
    {
      flags: '--minwidth <n>',
      description: 'leave out frames narrower than n pixels of a 1200-pixel graph, or n% of the total (e.g. 0.5 or 0.1%)',
      parse: (v: string) => {
        const m = parseMinWidth(v);
        if (!m) throw new ThawError('E_USAGE', `--minwidth ${v}: expected pixels or a percentage`, { hint: 'e.g. --minwidth 0.5 or --minwidth 0.1%' });
        return m;
      },
    },
    {
      flags: '--colors <palette>',
      description: `frame colours: ${PALETTES.join(', ')} (kind, the default, colours by what ran a frame)`,
      parse: (v: string) => {
        if (!(PALETTES as readonly string[]).includes(v)) throw new ThawError('E_USAGE', `--colors ${v}: expected one of ${PALETTES.join(', ')}`, { hint: 'e.g. --colors java for async-profiler output' });
        return v;
      },
    },
    { flags: '--hash', description: "shade by flamegraph.pl's name hash (similar names, similar shades)" },
    {
      flags: '--unit <unit>',
      description: 'what folded weights count: samples, ns or us (thaw fold writes perf periods: ns for cpu-clock)',
      parse: (v: string) => {
        const u = ({ samples: 'samples', ns: 'nanoseconds', us: 'microseconds' } as const)[v as 'samples'];
        if (!u) throw new ThawError('E_USAGE', `--unit ${v}: expected samples, ns or us`, { hint: '--unit ns for `thaw fold` output of a cpu-clock capture' });
        return u;
      },
    },
  ],
  async run(inputs, opts) {
    const out = opts.out;
    if (!out) throw new ThawError('E_USAGE', 'thaw flame needs -o OUT.html or -o OUT.svg', { hint: 'thaw flame out.folded -o flame.html' });
    const lower = out.toLowerCase();
    const ext = lower.endsWith('.pb.gz') ? '.pb.gz' : lower.endsWith('.speedscope.json') ? '.speedscope.json' : extname(lower);
    if (!GRAPH.includes(ext) && !CONVERT.includes(ext)) {
      throw new ThawError('E_USAGE', `-o ${out}: the output must end in .html or .svg (or .folded, .speedscope.json, .pb, .pb.gz to convert)`, { hint: 'thaw flame out.folded -o flame.html' });
    }
    const graph = GRAPH.includes(ext);
    if (opts.flamechart) opts.chart = true;
    if (!graph && (opts.diff || opts.chart)) {
      throw new ThawError('E_USAGE', `${opts.diff ? '--diff' : '--chart'} draws a graph: write it to .html or .svg, not ${ext}`, { hint: 'thaw flame after.folded --diff before.folded -o diff.html' });
    }
    if (opts.chart && opts.diff) throw new ThawError('E_USAGE', '--chart and --diff do not go together: a flame chart shows one run in time', { hint: 'draw two charts, or drop --chart for a diff graph' });

    const loaded = inputs.map((f) => loadProfile(f, opts.unit));
    for (const [k, p] of loaded.entries()) for (const w of p.warnings ?? []) process.stderr.write(`thaw flame: warning: ${inputs[k]}: ${w}\n`);
    const twoColumn = loaded.filter((p) => p.base);
    if (twoColumn.length > 0 && (loaded.length > 1 || opts.diff || !graph || opts.chart)) {
      throw new ThawError('E_USAGE', `${inputs[loaded.indexOf(twoColumn[0]!)]}: two-column (differential) input is drawn alone, as a diff graph to .html or .svg`, { hint: 'thaw flame diff.folded -o diff.html' });
    }
    const turn = (p: Profile): Profile => (opts.reverse ? reverseProfile(p) : p);
    const twoColumnBase = twoColumn[0]?.base;
    const target = turn(mergeProfiles(inputs.length === 1 ? loaded[0]!.name : 'merged', loaded));
    if (target.total <= 0) throw new ThawError('E_PROFILE_EMPTY', `${inputs.join(', ')}: no samples`, { hint: 'record longer, or with a higher --freq' });

    if (!graph) {
      if (ext === '.folded') writeAtomic(out, serializeFolded(target));
      else if (ext === '.speedscope.json') writeAtomic(out, serializeSpeedscope(target));
      else {
        const pb = serializePprof(target);
        writeAtomic(out, ext === '.pb.gz' ? gzipSync(pb) : pb);
      }
      process.stderr.write(`thaw flame: wrote ${out}\n`);
      return 0;
    }
    const look: FlameOptions = {
      ...(opts.title !== undefined ? { title: opts.title } : {}),
      ...(opts.subtitle !== undefined ? { subtitle: opts.subtitle } : {}),
      ...(opts.colors ? { palette: opts.colors } : {}),
      hash: !!opts.hash,
      inverted: !!opts.inverted,
      ...(opts.minwidth ? { minWidth: opts.minwidth } : {}),
    };
    let data;
    if (opts.chart) {
      const chart = inputs.length === 1 ? flameChart(target) : undefined;
      if (!chart) {
        throw new ThawError('E_USAGE', `--chart needs one input with sample times; ${inputs.length > 1 ? 'several inputs have no single timeline' : `${inputs[0]} has none (folded and collapsed stacks are already merged)`}`, {
          hint: 'give a .cpuprofile (node --cpu-prof) or perf script text with times',
        });
      }
      data = chartData(chart, look);
    } else if (opts.diff || twoColumnBase) {
      const base = turn(twoColumnBase ?? loadProfile(opts.diff!, opts.unit));
      if (!twoColumnBase) for (const w of base.warnings ?? []) process.stderr.write(`thaw flame: warning: ${opts.diff}: ${w}\n`);
      // Two-column input: the columns are the sides, the file names the graph.
      const after = twoColumnBase ? { ...target, name: 'after' } : target;
      const title = look.title ?? (twoColumnBase ? `${target.name}: after vs before` : undefined);
      data = diffFlameData(diffProfiles(base, after, opts.diffMode ?? 'shares'), { ...look, ...(title !== undefined ? { title } : {}) });
    } else {
      data = flameData(target, look);
    }
    writeAtomic(out, ext === '.svg' ? renderFlameSvg(data) : renderFlameHtml(data));
    process.stderr.write(`thaw flame: wrote ${out}\n`);
    return 0;
  },
};
