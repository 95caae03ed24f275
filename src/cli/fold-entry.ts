/**
 * `thaw fold` without the rest of the CLI: bin/thaw starts this file for `thaw fold …`, as one
 * CommonJS bundle (dist/src/cli/fold-entry.cjs, built by scripts/bundle-fold.js), so a fold
 * loads neither Node's ES module loader nor commander nor the other commands' modules. Those
 * cost about 40 ms of a run that folds 20 MB in about 100 ms, and stackcollapse-perf.pl starts
 * in 10 ms.
 *
 * Only the plain shapes are handled here (plainFoldArgs): the path and foldCommand's own
 * options, each once. Anything else (--help, a bad or unknown option, a missing path) goes to
 * the full CLI, which parses and answers exactly as it always does.
 */
import { foldCommand, plainFoldArgs } from './fold.js';
import { prepareProcess, reportError } from './process.js';

async function main(): Promise<void> {
  const plain = plainFoldArgs(process.argv.slice(2));
  if (!plain) {
    await import(new URL('./main.js', import.meta.url).href);
    return;
  }
  prepareProcess();
  try {
    const code = await foldCommand.run!([plain.path], plain.opts, []);
    process.exitCode = typeof code === 'number' ? code : 0;
  } catch (err) {
    reportError(err);
  }
}

main().catch(reportError);
