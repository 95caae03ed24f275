/**
 * thaw bench's programmatic API (stable: `thaw demo` and `npm run bench:startup` use it).
 *
 *   const report = await runBench({ configs: [{ name: 'cold', command: 'node app.js' },
 *                                            { name: 'restored', command: 'out/img' }],
 *                                   runs: 10, warmup: 1, exports: { json: 'out/bench.json' } });
 *   process.stdout.write(formatTable(report));
 */
export { runBench, machineInfo } from './runner.js';
export { formatTable, formatFailures, formatTimeline } from './table.js';
export { buildReport } from './report.js';
export { writeExports } from './export/index.js';
export { realExecutor, fakeExecutor } from './executor.js';
export * as stats from './stats.js';
export type * from './types.js';
export type { ProbeSpec } from '../launch/probe.js';
