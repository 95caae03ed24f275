import { extname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { serializeFolded } from '../profile/export/folded.js';
import { serializePprof } from '../profile/export/pprof.js';
import { serializeSpeedscope } from '../profile/export/speedscope.js';
import { ThawError } from '../errors.js';
import { loadProfile, mergeProfiles } from '../import/load.js';
import { writeAtomic } from '../io.js';
import { diffProfiles } from '../model/profile-diff.js';
import type { WeightUnit } from '../model/profile.js';
import { diffFlameData, flameData, renderFlameHtml, renderFlameSvg } from '../render/flame.js';
import type { CommandSpec } from './spec.js';

interface FlameOptions {
  out?: string;
  diff?: string;
  title?: string;
  unit?: WeightUnit;
}

export const flameCommand: CommandSpec<FlameOptions> = {
  name: 'flame',
  args: '<inputs...>',
  summary: 'draw a flame graph (self-contained HTML, or SVG) from perf script, folded, collapsed or .cpuprofile input',
  help: [
    'Several inputs are added up into one graph. With --diff BASE the graph shows how the inputs',
    'differ from BASE: both sides normalised to their totals, frames coloured by the change of',
    'their total (or self) share, widths from either side (selectable in the page).',
    'Examples:',
    '  thaw flame out.folded -o flame.html',
    '  thaw flame after.folded --diff before.folded -o diff.html',
  ].join('\n'),
  options: [
    { flags: '-o, --out <file>', description: 'output file: .html (interactive) or .svg' },
    { flags: '--diff <base>', description: 'draw a diff flame graph against this base profile' },
    { flags: '--title <text>', description: 'title shown in the graph' },
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
    if (!['.html', '.svg', '.folded', '.speedscope.json', '.pb', '.pb.gz'].includes(ext)) {
      throw new ThawError('E_USAGE', `-o ${out}: the output must end in .html or .svg (or .folded, .speedscope.json, .pb, .pb.gz to convert)`, { hint: 'thaw flame out.folded -o flame.html' });
    }
    const profiles = inputs.map((f) => loadProfile(f, opts.unit));
    const target = mergeProfiles(inputs.length === 1 ? profiles[0]!.name : 'merged', profiles);
    if (target.total <= 0) throw new ThawError('E_PROFILE_EMPTY', `${inputs.join(', ')}: no samples`, { hint: 'record longer, or with a higher --freq' });
    if (ext !== '.html' && ext !== '.svg') {
      if (opts.diff) throw new ThawError('E_USAGE', `--diff draws a graph: write it to .html or .svg, not ${ext}`, { hint: 'thaw flame after.folded --diff before.folded -o diff.html' });
      if (ext === '.folded') writeAtomic(out, serializeFolded(target));
      else if (ext === '.speedscope.json') writeAtomic(out, serializeSpeedscope(target));
      else {
        const pb = serializePprof(target);
        writeAtomic(out, ext === '.pb.gz' ? gzipSync(pb) : pb);
      }
      process.stderr.write(`thaw flame: wrote ${out}\n`);
      return 0;
    }
    let data;
    if (opts.diff) {
      const base = loadProfile(opts.diff, opts.unit);
      data = diffFlameData(diffProfiles(base, target), opts.title);
    } else {
      data = flameData(target, opts.title ?? target.name);
    }
    writeAtomic(out, ext === '.svg' ? renderFlameSvg(data) : renderFlameHtml(data));
    process.stderr.write(`thaw flame: wrote ${out}\n`);
    return 0;
  },
};
