import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatFailures, formatTable, formatTimeline, runBench } from '../bench/index.js';
import { ThawError } from '../errors.js';
import { buildImage } from '../snapshot/build.js';
import { readWarmup, warmupProbe } from '../snapshot/warmup-file.js';
import { progressLine } from './progress.js';
import { wholeNumber } from './options.js';
import type { CommandSpec } from './spec.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * `npm start`: the main job on the built-in example. Build a checkpoint of
 * examples/ts-service after its warm-up, start it cold and restored side by side (interleaved,
 * thaw bench's engine), and print both times to the first representative response and the ratio.
 */
interface DemoOptions {
  example: string;
  runs: number;
  node: string;
  out: string;
}

export const demoCommand: CommandSpec<DemoOptions> = {
  name: 'demo',
  summary: 'build examples/ts-service, start it cold and restored, print both first-response times',
  options: [
    { flags: '--example <name>', description: 'which example (hello, ts-service, express-app, markdown-app)', default: 'ts-service' },
    { flags: '--runs <n>', description: 'starts of each configuration', default: 7, parse: wholeNumber('--runs', 1) },
    { flags: '--node <path>', description: 'Node binary for both configurations', default: process.execPath },
    { flags: '-o, --out <dir>', description: 'where the image goes', default: '.thaw/demo' },
  ],
  async run(_args, opts) {
    const dir = join(root, 'examples', opts.example);
    const entry = join(dir, 'server.js');
    if (!existsSync(entry)) throw new ThawError('E_USAGE', `no example named ${opts.example}`, { hint: 'one of: hello, ts-service, express-app, markdown-app' });
    const runs = opts.runs;
    const warmupFile = join(dir, 'warmup.json');
    const img = join(opts.out, opts.example);
    const p = progressLine();
    const built = await buildImage({ entry, out: img, warmupFile, node: opts.node, progress: p.say }).finally(p.done);
    const m = built.manifest;
    process.stdout.write(`thaw: built ${relative(process.cwd(), img)}/ from examples/${opts.example} with Node ${m.node.version}: ${m.warmup.requests} warm-up requests served before the checkpoint\n`);
    // The first warm-up request is the representative one: the probe waits for its answer.
    const first = readWarmup(warmupFile)[0]!;
    const probe = warmupProbe(first);
    process.stdout.write(`thaw: starting it ${runs}× cold and ${runs}× restored (interleaved), timing ${first.method} ${first.path} from spawn to complete response\n\n`);
    const report = await runBench({
      configs: [
        { name: 'cold', command: [opts.node, entry] },
        { name: 'restored', command: img },
      ],
      runs,
      warmup: 1,
      probe,
      progress: true,
      timeline: true,
    });
    process.stdout.write(formatTable(report));
    process.stdout.write(formatTimeline(report));
    const failures = formatFailures(report);
    if (failures) process.stdout.write(failures);
    const cold = report.results.find((r) => r.name === 'cold')?.stats;
    const restored = report.results.find((r) => r.name === 'restored')?.stats;
    if (!cold || !restored) return 1;
    const ms = (s: number): string => `${(s * 1000).toFixed(1)} ms`;
    process.stdout.write(`\n  cold      ${ms(cold.median)}  (median of ${cold.n})\n  restored  ${ms(restored.median)}  (median of ${restored.n})\n  restored answers ${(cold.median / restored.median).toFixed(1)}x sooner\n`);
    return 0;
  },
};
