/**
 * `thaw fold` without the rest of the CLI: bin/thaw starts this file for `thaw fold …`, as one
 * CommonJS bundle (dist/src/cli/fold-entry.cjs, built by scripts/bundle-fold.js), so a fold
 * loads neither Node's ES module loader nor commander nor the other commands' modules: about
 * 27 ms less CPU for every fold (BENCHMARKS.md), on runs of 100–200 ms for 20 MB.
 *
 * Only the plain shapes are handled here (plainFoldArgs): the path and foldCommand's own
 * options, each once. Anything else (--help, a bad or unknown option, a missing path) goes to
 * the full CLI, which parses and answers exactly as it always does.
 */
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { foldCommand, plainFoldArgs } from './fold.js';
import { prepareProcess, reportError } from './process.js';

/** Below this input size a fold runs without V8's optimising compiler (tuneV8). */
const NO_OPT_BELOW = 48 << 20;

/**
 * V8's tiering suits long-running servers; a fold is over in a few hundred ms, and on a busy
 * machine compiling optimised code for every warm function costs more CPU than it saves. Less
 * inlining and a larger budget before a function is optimised: on Node 20, 20 MB folded in
 * about 14% less CPU and 13% less wall time at a load average of 7–9, 136 MB unchanged
 * (BENCHMARKS.md). V8 12+ (Node 22+) renamed the budget flag, and an unknown flag is reported on
 * stderr, so it is given to V8 11 only. Since the per-line work runs in WebAssembly
 * (fold-core.wat), the JavaScript left (event lines, new frame lines, the output) runs too
 * little on a small input to repay optimising it at all: 20 MB in ~12 ms less CPU without the
 * optimising compiler, 136 MB in ~15 ms more, so it is turned off below NO_OPT_BELOW.
 */
function tuneV8(path: string): void {
  setFlagsFromString('--max-inlined-bytecode-size-cumulative=200');
  if (process.versions.v8.startsWith('11.')) setFlagsFromString('--interrupt-budget=270000');
  let size = Infinity;
  try {
    if (path !== '-') size = statSync(path).size;
  } catch {
    // foldFile reports a missing or unreadable file.
  }
  if (size < NO_OPT_BELOW) setFlagsFromString('--no-opt');
}

async function main(): Promise<void> {
  const plain = plainFoldArgs(process.argv.slice(2));
  if (!plain) {
    await import(new URL('./main.js', import.meta.url).href);
    return;
  }
  prepareProcess();
  tuneV8(plain.path);
  try {
    const code = await foldCommand.run!([plain.path], plain.opts, []);
    process.exitCode = typeof code === 'number' ? code : 0;
  } catch (err) {
    reportError(err);
  }
}

main().catch(reportError);
